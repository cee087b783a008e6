//! One edit on a blocking worker: decode (pixel count checked from the
//! header first), find faces and landmarks (or take them from the cache),
//! align, run the model, blend by intensity, paste back, encode. The same
//! steps as `mien edit`, with every failure mapped to an [`ApiError`].

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cache::Prepared;
use super::error::ApiError;
use super::params::{EditParams, Format};
use super::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use mien::core::image::{self, DecodeLimits, Image};
use mien::faces::detect_options;
use mien::{FaceChoice, Timings};

/// What the pipeline produced for one request.
pub struct Output {
    pub image: Image<u8>,
    /// Per edited face: before, (motion only, for deformation models), after.
    pub crops: Vec<Vec<Image<u8>>>,
    boxes: Vec<[i64; 4]>,
    /// Where a slider edit can change the first edited face (photo pixels).
    region: Option<[f32; 4]>,
    edited: usize,
    cached: bool,
    pub timings: Timings,
}

impl Output {
    pub fn headers(&self, h: &mut HeaderMap) {
        h.insert("x-mien-faces", HeaderValue::from(self.edited));
        h.insert("x-mien-faces-found", HeaderValue::from(self.boxes.len()));
        // `hit`: the photo's faces came from the cache (a repeat upload).
        h.insert("x-mien-cache", HeaderValue::from_static(if self.cached { "hit" } else { "miss" }));
        let boxes: Vec<String> = self.boxes.iter().map(|b| format!("{},{},{},{}", b[0], b[1], b[2], b[3])).collect();
        if let Ok(v) = HeaderValue::from_str(&boxes.join(";")) {
            h.insert("x-mien-face-boxes", v);
        }
        if let Some(r) = self.region {
            let v = format!("{:.0},{:.0},{:.0},{:.0}", r[0].floor(), r[1].floor(), r[2].ceil(), r[3].ceil());
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert("x-mien-region", v);
            }
        }
    }
}

/// Decodes, finds faces, edits them (blocking; runs on a worker).
pub fn compute(st: &AppState, bytes: &[u8], p: &EditParams, want_crops: bool) -> Result<Output, ApiError> {
    let mut editor =
        st.catalog.editor(&p.model, p.expression.as_deref()).map_err(|_| ApiError::internal("model vanished"))?.clone();
    if let Some(from) = p.from {
        editor = editor.source(from).map_err(cannot_edit)?;
    }
    if let Some(f) = p.features {
        editor = editor.with_features(f).map_err(cannot_edit)?;
    }
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
        FaceChoice::All => &prepared.faces[..],
        FaceChoice::Nth(n) if n <= prepared.faces.len() => &prepared.faces[n - 1..n],
        FaceChoice::Nth(n) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_such_face",
                format!("face={n} asked for, but only {} face(s) found", prepared.faces.len()),
            ))
        }
    };
    // Local models blend input and output by the intensity; deformation models scale their AU target.
    let edited = editor.edit_faces_at(img, faces, p.intensity, &mut t).map_err(cannot_edit)?;
    let mut crops = Vec::new();
    if want_crops {
        for (i, (before, after)) in edited.crops.iter().enumerate() {
            let mut tiles = vec![before.to_rgb()];
            // A deformation model's motion-only step sits between before and after.
            tiles.extend(edited.deformed.get(i).map(Image::to_rgb));
            tiles.push(after.to_rgb());
            crops.push(tiles);
        }
    }
    let region = match faces.first() {
        Some(f) => editor.region_box(f).map_err(cannot_edit)?,
        None => None,
    };
    let out = edited.image;
    Ok(Output { image: out, crops, boxes: all, region, edited: faces.len(), cached, timings: t })
}

/// Decodes the upload and finds every face with its landmarks.
fn prepare(st: &AppState, bytes: &[u8], t: &mut Timings) -> Result<Prepared, ApiError> {
    let start = Instant::now();
    let image = image::decode(bytes, Path::new("uploaded image"), DecodeLimits { max_pixels: st.limits.max_pixels })
        .map_err(decode_error)?;
    t.decode = start.elapsed();
    let start = Instant::now();
    let (boxes, _) = st.finder.detect(&image, &detect_options(st.limits.min_face)).map_err(cannot_edit)?;
    t.detect = start.elapsed();
    let start = Instant::now();
    let faces = st.finder.landmarks(&image, boxes.clone()).map_err(cannot_edit)?;
    t.landmarks = start.elapsed();
    Ok(Prepared { image, boxes, faces })
}

fn decode_error(e: mien::core::Error) -> ApiError {
    match e {
        mien::core::Error::TooLarge { width, height, limit, .. } => ApiError::new(
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

pub fn encode_response(img: &Image<u8>, format: Format, mut t: Timings) -> Result<Response, ApiError> {
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
        ms(t.align + t.synthesise + t.paste),
        ms(t.encode)
    );
    if let Ok(v) = HeaderValue::from_str(&timing) {
        h.insert("server-timing", v);
    }
    Ok(res)
}

/// JPEG's largest side (its header stores 16-bit dimensions).
const JPEG_MAX_SIDE: usize = 65_535;

fn encode_jpeg(img: &Image<u8>) -> Result<Vec<u8>, ApiError> {
    if img.width() > JPEG_MAX_SIDE || img.height() > JPEG_MAX_SIDE {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_large_for_jpeg",
            format!(
                "the result is {}×{}, over JPEG's limit of {JPEG_MAX_SIDE} pixels a side; ask for format=png, or pick one face with face=N",
                img.width(),
                img.height()
            ),
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_wider_than_jpeg_allows_is_a_4xx_not_a_500() {
        // 196 faces' crops side by side: wider than JPEG's 16-bit sides.
        let wide = Image::from_planar(70_000, 1, 1, vec![128u8; 70_000]).unwrap();
        let err = encode_response(&wide, Format::Jpeg, Timings::default()).unwrap_err();
        let res = err.into_response();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(encode_response(&wide, Format::Png, Timings::default()).is_ok());
    }
}
