//! The HTTP handlers. Each checks its query first (unknown parameters are
//! refused, so a typo never silently falls back to a default), then admits
//! the request to the work queue, reads the body within the limits, and runs
//! the face pipeline on a blocking worker. Every failure is a JSON body
//! `{"error": <message>, "code": <machine-readable code>}`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mien::compose::side_by_side;
use mien::core::image::Image;
use mien::samples::SAMPLES;
use serde_json::json;

use super::error::ApiError;
use super::params::EditParams;
use super::pipeline::{compute, encode_response};
use super::state::AppState;

/// `GET /api/health`.
pub async fn health(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "in_flight": st.queue.in_flight() }))
}

/// `GET /api/models`: the models, the expressions each accepts, the limits and the samples.
pub async fn models(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({
        "models": st.catalog.models,
        "default_model": mien::registry::builtin::DEFAULT,
        // Sliders for `features=` (models of kind `deform`), and the presets that set them.
        "features": mien::deform::FEATURES.iter().map(|f| json!({ "name": f.name, "label": f.label, "min": f.min, "max": 1.0, "help": f.help })).collect::<Vec<_>>(),
        "presets": presets(),
        "limits": {
            "max_body_bytes": st.limits.max_body,
            "max_pixels": st.limits.max_pixels,
            "timeout_s": st.limits.timeout.as_secs(),
        },
        "samples": SAMPLES.iter().map(|s| json!({ "url": format!("/samples/{}.png", s.name), "name": s.name, "has_faces": s.has_faces })).collect::<Vec<_>>(),
    }))
}

/// The slider values of the six expressions' presets.
fn presets() -> Vec<serde_json::Value> {
    ["happy", "surprise", "sad", "angry", "disgust", "fear"]
        .iter()
        .map(|e| {
            let f = mien::deform::Features::preset(e).unwrap_or_default();
            let values: serde_json::Map<String, serde_json::Value> =
                mien::deform::FEATURES.iter().zip(f.0).map(|(x, v)| (x.name.to_string(), json!(v))).collect();
            json!({ "name": e, "values": values })
        })
        .collect()
}

/// `GET /samples/{name}.png`: a bundled photo, from the binary.
pub async fn sample(axum::extract::Path(name): axum::extract::Path<String>) -> Result<Response, ApiError> {
    let stem = name.strip_suffix(".png").unwrap_or(&name);
    let sample = mien::samples::sample(stem)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no bundled sample `{name}`")))?;
    let mut res = Bytes::from_static(sample.png).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    Ok(res)
}

/// `POST /api/edit`: the edited photo (PNG or JPEG), with the face count and
/// timings in headers.
pub async fn edit(State(st): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let (p, (ticket, bytes, deadline)) = admit_and_read(&st, req).await?;
    let work_state = Arc::clone(&st);
    // Encoding runs on the worker too: it is CPU work under the same bound and deadline.
    st.queue
        .run(&ticket, deadline, move || {
            let out = compute(&work_state, &bytes, &p, false)?;
            let mut res = encode_response(&out.image, p.format, out.timings)?;
            out.headers(res.headers_mut());
            Ok(res)
        })
        .await
}

/// `POST /api/crops`: each edited face's aligned crop before, motion only (deformation models) and after, side by side (PNG).
pub async fn crops(State(st): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let (p, (ticket, bytes, deadline)) = admit_and_read(&st, req).await?;
    let work_state = Arc::clone(&st);
    st.queue
        .run(&ticket, deadline, move || {
            let out = compute(&work_state, &bytes, &p, true)?;
            let tiles: Vec<&Image<u8>> = out.crops.iter().flatten().collect();
            let mut res = encode_response(&side_by_side(&tiles), p.format, out.timings)?;
            out.headers(res.headers_mut());
            Ok(res)
        })
        .await
}

type Admitted = (super::limits::Ticket, Bytes, Instant);

/// Checks the query, takes a place in the queue, then reads the upload.
async fn admit_and_read(st: &AppState, req: Request) -> Result<(EditParams, Admitted), ApiError> {
    let deadline = Instant::now() + st.limits.timeout;
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(req.uri())
        .map_err(|e| ApiError::bad_request("bad_parameter", format!("cannot parse the query string: {e}")))?
        .0;
    let params = EditParams::parse(pairs)?;
    params.check(st)?;
    // Admission comes before reading, so a flood of uploads cannot hold more
    // than `concurrency + queue` bodies in memory.
    let ticket = st.queue.admit()?;
    let remaining = deadline.saturating_duration_since(Instant::now());
    let bytes = match tokio::time::timeout(remaining, read_upload(st, req)).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout", "the upload took too long to arrive"))
        }
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "empty",
            "no image: send the photo as the request body or as multipart field `image`",
        ));
    }
    Ok((params, (ticket, bytes, deadline)))
}

/// The photo bytes: multipart field `image`, or the whole body.
async fn read_upload(st: &AppState, req: Request) -> Result<Bytes, ApiError> {
    let (parts, body) = req.into_parts();
    let bytes = st.limits.read_body(&parts.headers, body).await?;
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Ok(bytes);
    }
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    let bad = |e: String| ApiError::bad_request("bad_multipart", format!("cannot read the multipart form: {e}"));
    let mut form = Multipart::from_request(req, &()).await.map_err(|e| bad(e.body_text()))?;
    let mut image = None;
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        match field.name() {
            Some("image") if image.is_none() => image = Some(field.bytes().await.map_err(|e| bad(e.body_text()))?),
            Some("image") => return Err(bad("more than one `image` field".into())),
            other => {
                return Err(ApiError::bad_request(
                    "unknown_field",
                    format!("unknown form field `{}`; send the photo as field `image`", other.unwrap_or("")),
                ))
            }
        }
    }
    image.ok_or_else(|| ApiError::bad_request("missing_image", "the form has no `image` field"))
}
