//! The HTTP handlers. Each checks its query first (unknown parameters are
//! refused, so a typo never silently falls back to a default), then admits
//! the request to the work queue, reads the body within the limits, and runs
//! the face pipeline on a blocking worker. Every failure is a JSON body
//! `{"error": <message>, "code": <machine-readable code>}`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mien_core::image::{self, DecodeLimits, Image};
use mien_face::align::{align_face, paste_back};
use serde_json::json;

use super::super::apply::side_by_side;
use super::super::demo::SAMPLES;
use super::super::faces::detect_options;
use super::cache::Prepared;
use super::catalog::Unknown;
use super::AppState;

/// A refused or failed request: status, a stable code and a message for people.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(json!({ "error": self.message, "code": self.code }))).into_response();
        if let Some(s) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

/// `GET /api/health`.
pub async fn health(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "in_flight": st.queue.in_flight() }))
}

/// `GET /api/models`: the models, the expressions each accepts, the limits and the samples.
pub async fn models(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({
        "models": st.catalog.models,
        "default_model": "masked",
        "limits": {
            "max_body_bytes": st.limits.max_body,
            "max_pixels": st.limits.max_pixels,
            "timeout_s": st.limits.timeout.as_secs(),
        },
        "samples": SAMPLES.iter().map(|(name, _, detect)| json!({ "url": format!("/samples/{name}.png"), "name": name, "has_faces": detect })).collect::<Vec<_>>(),
    }))
}

/// `GET /samples/{name}.png`: a bundled photo, from the binary.
pub async fn sample(axum::extract::Path(name): axum::extract::Path<String>) -> Result<Response, ApiError> {
    let stem = name.strip_suffix(".png").unwrap_or(&name);
    let (_, bytes, _) = SAMPLES
        .iter()
        .find(|(n, _, _)| *n == stem)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no bundled sample `{name}`")))?;
    let mut res = Bytes::from_static(bytes).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    Ok(res)
}

/// Which faces to edit.
#[derive(Clone, Copy, Debug)]
enum Faces {
    All,
    Nth(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Png,
    Jpeg,
}

/// Checked query parameters of `/api/edit` and `/api/crops`.
#[derive(Clone, Debug)]
struct EditParams {
    model: String,
    expression: Option<String>,
    intensity: f32,
    faces: Faces,
    format: Format,
}

const KNOWN_PARAMS: [&str; 5] = ["expression", "intensity", "model", "face", "format"];

impl EditParams {
    fn parse(pairs: Vec<(String, String)>) -> Result<Self, ApiError> {
        let mut p =
            Self { model: "masked".into(), expression: None, intensity: 1.0, faces: Faces::All, format: Format::Png };
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in &pairs {
            let Some(known) = KNOWN_PARAMS.iter().find(|k| **k == key) else {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("unknown query parameter `{key}`; known: {}", KNOWN_PARAMS.join(", ")),
                ));
            };
            if seen.contains(known) {
                return Err(ApiError::bad_request("bad_parameter", format!("`{key}` given twice")));
            }
            seen.push(known);
            match *known {
                "expression" => p.expression = Some(value.clone()),
                "model" => p.model = value.clone(),
                "intensity" => {
                    p.intensity = value.parse::<f32>().ok().filter(|v| (0.0..=1.0).contains(v)).ok_or_else(|| {
                        ApiError::bad_request(
                            "bad_parameter",
                            format!("intensity={value}: must be a number from 0 (unchanged) to 1 (full expression)"),
                        )
                    })?
                }
                "face" => {
                    p.faces = match value.as_str() {
                        "all" => Faces::All,
                        n => match n.parse::<usize>() {
                            Ok(k) if k >= 1 => Faces::Nth(k),
                            _ => {
                                return Err(ApiError::bad_request(
                                    "bad_parameter",
                                    format!("face={n}: use `all` or a face number from 1 (largest first)"),
                                ))
                            }
                        },
                    }
                }
                _ => {
                    p.format = match value.as_str() {
                        "png" => Format::Png,
                        "jpeg" | "jpg" => Format::Jpeg,
                        f => {
                            return Err(ApiError::bad_request("bad_parameter", format!("format={f}: use png or jpeg")))
                        }
                    }
                }
            }
        }
        Ok(p)
    }

    /// Checks the model and expression against the catalogue.
    fn check(&self, st: &AppState) -> Result<(), ApiError> {
        match st.catalog.editor(&self.model, self.expression.as_deref()) {
            Ok(_) => Ok(()),
            Err(Unknown::Model(m)) => Err(ApiError::bad_request(
                "unknown_model",
                format!("model={m}: unknown; available: {}", st.catalog.names().join(", ")),
            )),
            Err(Unknown::Expression { model, expression, accepted }) => Err(ApiError::bad_request(
                "unknown_expression",
                format!("expression={expression}: model `{model}` accepts {}", accepted.join(", ")),
            )),
        }
    }
}

/// `POST /api/edit`: the edited photo (PNG or JPEG), with the face count and
/// timings in headers.
pub async fn edit(State(st): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let (params, image) = admit_and_read(&st, req).await?;
    let (ticket, bytes, deadline) = image;
    let work_state = Arc::clone(&st);
    let p = params.clone();
    let out = st.queue.run(&ticket, deadline, move || compute(&work_state, &bytes, &p, false)).await?;
    let mut res = encode_response(&out.image, params.format, out.timings)?;
    out.headers(res.headers_mut());
    Ok(res)
}

/// `POST /api/crops`: each edited face's aligned crop before and after, side by side (PNG).
pub async fn crops(State(st): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let (params, image) = admit_and_read(&st, req).await?;
    let (ticket, bytes, deadline) = image;
    let work_state = Arc::clone(&st);
    let p = params.clone();
    let out = st.queue.run(&ticket, deadline, move || compute(&work_state, &bytes, &p, true)).await?;
    let tiles: Vec<&Image<u8>> = out.crops.iter().flat_map(|(a, b)| [a, b]).collect();
    let mut res = encode_response(&side_by_side(&tiles), params.format, out.timings)?;
    out.headers(res.headers_mut());
    Ok(res)
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

/// Time per stage of one request.
#[derive(Default, Clone, Copy)]
struct Timings {
    decode: Duration,
    detect: Duration,
    landmarks: Duration,
    edit: Duration,
    encode: Duration,
}

/// What the pipeline produced for one request.
struct Output {
    image: Image<u8>,
    crops: Vec<(Image<u8>, Image<u8>)>,
    boxes: Vec<[i64; 4]>,
    edited: usize,
    cached: bool,
    timings: Timings,
}

impl Output {
    fn headers(&self, h: &mut HeaderMap) {
        h.insert("x-mien-faces", HeaderValue::from(self.edited));
        h.insert("x-mien-faces-found", HeaderValue::from(self.boxes.len()));
        // `hit`: the photo's faces came from the cache (a repeat upload).
        h.insert("x-mien-cache", HeaderValue::from_static(if self.cached { "hit" } else { "miss" }));
        let boxes: Vec<String> = self.boxes.iter().map(|b| format!("{},{},{},{}", b[0], b[1], b[2], b[3])).collect();
        if let Ok(v) = HeaderValue::from_str(&boxes.join(";")) {
            h.insert("x-mien-face-boxes", v);
        }
    }
}

/// Decodes, finds faces, edits them (blocking; runs on a worker).
fn compute(st: &AppState, bytes: &[u8], p: &EditParams, want_crops: bool) -> Result<Output, ApiError> {
    let editor =
        st.catalog.editor(&p.model, p.expression.as_deref()).map_err(|_| ApiError::internal("model vanished"))?;
    let mut t = Timings::default();
    let key = st.cache.key(bytes);
    let (prepared, cached) = match st.cache.get(key) {
        Some(p) => (p, true),
        None => {
            let p = Arc::new(prepare(st, bytes, &mut t)?);
            st.cache.insert(key, Arc::clone(&p));
            (p, false)
        }
    };
    let img = &prepared.image;
    if prepared.faces.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_face",
            "no face found in this photo; try a photo where the face is larger, frontal and well lit",
        ));
    }
    let all: Vec<[i64; 4]> = prepared
        .boxes
        .iter()
        .map(|b| [b.x.round() as i64, b.y.round() as i64, b.w.round() as i64, b.h.round() as i64])
        .collect();
    let faces = match p.faces {
        Faces::All => &prepared.faces[..],
        Faces::Nth(n) if n <= prepared.faces.len() => &prepared.faces[n - 1..n],
        Faces::Nth(n) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_such_face",
                format!("face={n} asked for, but only {} face(s) found", prepared.faces.len()),
            ))
        }
    };
    let start = Instant::now();
    let mut out = img.clone();
    let mut crops = Vec::new();
    for f in faces {
        let aligned = align_face(img, &f.landmarks, &editor.template).map_err(cannot_edit)?;
        let full = editor.edit_crop(&aligned.crop, Path::new("uploaded image")).map_err(cannot_edit)?;
        let edited = blend(&aligned.crop, full, p.intensity);
        out = paste_back(&out, &edited, &aligned.crop, &aligned.transform, &f.landmarks).map_err(cannot_edit)?;
        if want_crops {
            crops.push((aligned.crop.to_rgb(), edited.to_u8().to_rgb()));
        }
    }
    t.edit = start.elapsed();
    Ok(Output { image: out, crops, boxes: all, edited: faces.len(), cached, timings: t })
}

/// Decodes the upload and finds every face with its landmarks.
fn prepare(st: &AppState, bytes: &[u8], t: &mut Timings) -> Result<Prepared, ApiError> {
    let start = Instant::now();
    let image = image::decode(bytes, Path::new("uploaded image"), DecodeLimits { max_pixels: st.limits.max_pixels })
        .map_err(decode_error)?;
    t.decode = start.elapsed();
    let start = Instant::now();
    let (boxes, _) = st.finder.detect(&image, &detect_options(&image, None)).map_err(cannot_edit)?;
    t.detect = start.elapsed();
    let start = Instant::now();
    let faces = st.finder.landmarks(&image, boxes.clone()).map_err(cannot_edit)?;
    t.landmarks = start.elapsed();
    Ok(Prepared { image, boxes, faces })
}

/// `crop + intensity · (full − crop)`: the editor computes the full expression once.
fn blend(crop: &Image<u8>, mut full: Image<f32>, intensity: f32) -> Image<f32> {
    let base = if full.channels() != crop.channels() { crop.to_rgb() } else { crop.clone() };
    if base.data().len() == full.data().len() {
        for (y, &x) in full.data_mut().iter_mut().zip(base.data()) {
            *y = x as f32 + intensity * (*y - x as f32);
        }
    }
    full
}

fn decode_error(e: mien_core::error::Error) -> ApiError {
    match e {
        mien_core::error::Error::TooLarge { width, height, limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the image is {width}×{height}, over the limit of {limit} pixels; downscale it first"),
        ),
        e => ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_image", e.to_string()),
    }
}

fn cannot_edit(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "cannot_edit", format!("cannot edit this photo: {e}"))
}

fn encode_response(img: &Image<u8>, format: Format, mut t: Timings) -> Result<Response, ApiError> {
    let start = Instant::now();
    let (bytes, mime) = match format {
        Format::Png => (image::encode_png(img).map_err(|e| ApiError::internal(e.to_string()))?, "image/png"),
        Format::Jpeg => (encode_jpeg(img)?, "image/jpeg"),
    };
    t.encode = start.elapsed();
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let timing = format!(
        "decode;dur={:.1}, detect;dur={:.1}, landmarks;dur={:.1}, edit;dur={:.1}, encode;dur={:.1}",
        ms(t.decode),
        ms(t.detect),
        ms(t.landmarks),
        ms(t.edit),
        ms(t.encode)
    );
    if let Ok(v) = HeaderValue::from_str(&timing) {
        h.insert("server-timing", v);
    }
    Ok(res)
}

fn encode_jpeg(img: &Image<u8>) -> Result<Vec<u8>, ApiError> {
    let rgb = img.to_rgb();
    let n = rgb.width() * rgb.height();
    let d = rgb.data();
    let inter: Vec<u8> = (0..n).flat_map(|i| [d[i], d[n + i], d[2 * n + i]]).collect();
    let mut out = Vec::new();
    let enc = ::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    ::image::ImageEncoder::write_image(
        enc,
        &inter,
        rgb.width() as u32,
        rgb.height() as u32,
        ::image::ExtendedColorType::Rgb8,
    )
    .map_err(|e| ApiError::internal(format!("cannot encode JPEG: {e}")))?;
    Ok(out)
}
