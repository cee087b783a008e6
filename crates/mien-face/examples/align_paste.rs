//! Times alignment and pasting of one face and writes the crop, its mask and
//! a pasted-back edit (the crop brightened by 60) for a visual check.
//!
//! `cargo run --release -p mien-face --example align_paste IMAGE [OUT_DIR]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use mien_core::image::{load, save_png, DecodeLimits, Image};
use mien_face::align::face_mask;
use mien_face::{align_face, detect_faces, landmarks_to_crop, paste_back, DetectOptions, Landmarker, Template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or("usage: align_paste IMAGE [OUT_DIR]")?);
    let out_dir = args.next().map(PathBuf::from);
    let img = load(&path, DecodeLimits::default())?;
    let face = *detect_faces(&img, &DetectOptions::default())?.first().ok_or("no face")?;
    let pts = Landmarker::new()?.landmarks(&img, &face)?;
    let template = Template::default();

    let runs = 200;
    let t = Instant::now();
    let mut aligned = align_face(&img, &pts, &template)?;
    for _ in 1..runs {
        aligned = align_face(&img, &pts, &template)?;
    }
    let align_ms = t.elapsed().as_secs_f64() * 1e3 / runs as f64;
    let edited = aligned.crop.to_f32();
    let edited = Image::from_planar(
        edited.width(),
        edited.height(),
        edited.channels(),
        edited.data().iter().map(|v| v + 60.0).collect(),
    )
    .ok_or("crop shape")?;
    let t = Instant::now();
    let mut pasted = paste_back(&img, &edited, &aligned.crop, &aligned.transform, &pts)?;
    for _ in 1..runs {
        pasted = paste_back(&img, &edited, &aligned.crop, &aligned.transform, &pts)?;
    }
    let paste_ms = t.elapsed().as_secs_f64() * 1e3 / runs as f64;
    println!(
        "{}×{}×{} photo, face {:.0} px wide, scale {:.3}: align {align_ms:.3} ms, paste {paste_ms:.3} ms",
        img.width(),
        img.height(),
        img.channels(),
        face.w,
        aligned.transform.scale()
    );
    if let Some(dir) = out_dir {
        let mask = face_mask(&landmarks_to_crop(&pts, &aligned.transform), template.size);
        let mask = Image::from_planar(template.size, template.size, 1, mask.data().iter().map(|m| m * 255.0).collect())
            .ok_or("mask shape")?
            .to_u8();
        save_png(&aligned.crop, &dir.join("crop.png"))?;
        save_png(&mask, &dir.join("mask.png"))?;
        save_png(&pasted, &dir.join("pasted.png"))?;
        println!("wrote crop.png, mask.png, pasted.png to {}", Path::new(&dir).display());
    }
    Ok(())
}
