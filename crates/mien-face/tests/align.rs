//! Alignment and pasting: synthetic transforms, JAFFE consistency (from
//! `../shared`, skipped when absent) and paste-back round trips on the
//! bundled astronaut sample.

mod common;

use std::sync::OnceLock;

use mien_core::image::{load, resize_bilinear, DecodeLimits, Image};
use mien_face::{
    align_face, detect_faces, eye_centres, landmarks_to_crop, paste_back, warp_to_crop, DetectOptions, Error,
    Landmarker, Landmarks, Similarity, Template,
};

/// One JAFFE photo: subject and expression (`KA.HA`), image, landmarks.
type Photo = (String, Image<u8>, Landmarks);

/// All JAFFE photos with their landmarks, computed once per test binary.
fn jaffe() -> Option<&'static [Photo]> {
    static CACHE: OnceLock<Option<Vec<Photo>>> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            let dir = common::shared("data/jaffe")?;
            let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
            paths.retain(|p| p.extension().is_some_and(|e| e == "tiff"));
            paths.sort();
            let net = Landmarker::new().unwrap();
            let photos = paths
                .iter()
                .map(|p| {
                    let img = load(p, DecodeLimits::default()).unwrap();
                    let face = detect_faces(&img, &DetectOptions::default()).unwrap()[0];
                    let pts = net.landmarks(&img, &face).unwrap();
                    let name = p.file_name().unwrap().to_string_lossy();
                    (name[..5].to_string(), img, pts)
                })
                .collect();
            Some(photos)
        })
        .as_deref()
}

/// Mean over pixels of the per-pixel variance across same-sized grey images.
fn mean_pixel_variance(images: &[Image<f32>]) -> f64 {
    let n = images.len() as f64;
    let len = images[0].data().len();
    let total: f64 = (0..len)
        .map(|i| {
            let mean = images.iter().map(|im| f64::from(im.data()[i])).sum::<f64>() / n;
            images.iter().map(|im| (f64::from(im.data()[i]) - mean).powi(2)).sum::<f64>() / n
        })
        .sum();
    total / len as f64
}

fn sub_image(img: &Image<u8>, x0: usize, y0: usize, w: usize, h: usize) -> Image<u8> {
    let mut data = Vec::with_capacity(w * h * img.channels());
    for c in 0..img.channels() {
        let plane = img.plane(c);
        for y in y0..y0 + h {
            data.extend_from_slice(&plane[y * img.width() + x0..y * img.width() + x0 + w]);
        }
    }
    Image::from_planar(w, h, img.channels(), data).unwrap()
}

#[test]
fn similarity_fit_recovers_a_known_transform() {
    let truth = Similarity { a: 1.3 * (-0.2f32).cos(), b: 1.3 * (-0.2f32).sin(), tx: 17.0, ty: -4.5 };
    let from: Vec<(f32, f32)> = (0..68).map(|i| ((i % 9) as f32 * 13.0 + 40.0, (i / 9) as f32 * 11.0 + 60.0)).collect();
    let to: Vec<_> = from.iter().map(|&p| truth.apply(p)).collect();
    let fit = Similarity::fit(&from, &to).unwrap();
    assert!((fit.a - truth.a).abs() < 1e-5 && (fit.b - truth.b).abs() < 1e-5, "{fit:?} vs {truth:?}");
    assert!((fit.tx - truth.tx).abs() < 1e-3 && (fit.ty - truth.ty).abs() < 1e-3, "{fit:?} vs {truth:?}");
    let inv = fit.inverse().unwrap();
    for &p in &from {
        let q = inv.apply(fit.apply(p));
        assert!((q.0 - p.0).abs() < 1e-3 && (q.1 - p.1).abs() < 1e-3, "{p:?} → {q:?}");
    }
}

/// Mean over groups of the mean per-pixel variance within each group, for
/// aligned crops, a fixed crop of the same view (the group's mean transform
/// applied to every photo) and the fixed centre crop; photos are grouped by
/// the first `key_len` characters of their name.
fn group_variances(photos: &[Photo], key_len: usize) -> (usize, f64, f64, f64) {
    let template = Template::canonical(128);
    let mut keys: Vec<&str> = photos.iter().map(|p| &p.0[..key_len]).collect();
    keys.dedup();
    let mut sums = (0.0, 0.0, 0.0);
    for key in &keys {
        let mine: Vec<_> = photos.iter().filter(|p| &p.0[..key_len] == *key).collect();
        let fits: Vec<_> = mine.iter().map(|(_, img, pts)| align_face(img, pts, &template).unwrap()).collect();
        let aligned: Vec<_> = fits.iter().map(|a| a.crop.to_f32()).collect();
        let k = fits.len() as f32;
        let mean = fits.iter().fold(Similarity { a: 0.0, b: 0.0, tx: 0.0, ty: 0.0 }, |m, f| Similarity {
            a: m.a + f.transform.a / k,
            b: m.b + f.transform.b / k,
            tx: m.tx + f.transform.tx / k,
            ty: m.ty + f.transform.ty / k,
        });
        let fixed: Vec<_> = mine.iter().map(|(_, img, _)| warp_to_crop(img, &mean, 128).unwrap().to_f32()).collect();
        let centre: Vec<_> = mine
            .iter()
            .map(|(_, img, _)| resize_bilinear(&sub_image(img, 32, 40, 192, 192).view(), 128, 128))
            .collect();
        sums.0 += mean_pixel_variance(&aligned);
        sums.1 += mean_pixel_variance(&fixed);
        sums.2 += mean_pixel_variance(&centre);
    }
    let n = keys.len() as f64;
    (keys.len(), sums.0 / n, sums.1 / n, sums.2 / n)
}

#[test]
fn alignment_reduces_variance_between_takes_on_jaffe() {
    let Some(photos) = jaffe() else { return };
    // Takes of one expression by one subject: what differs is head pose and
    // framing, which alignment should remove.
    let (groups, a, f, c) = group_variances(photos, 5);
    println!("takes of one expression ({groups} groups): mean pixel variance aligned {a:.1}, fixed crop of the same view {f:.1}, centre crop {c:.1}");
    // All photos of a subject: expression changes dominate, so this is reported, not asserted.
    let (groups, sa, sf, sc) = group_variances(photos, 2);
    println!("all photos of a subject ({groups} groups): aligned {sa:.1}, fixed crop {sf:.1}, centre crop {sc:.1}");
    assert!(a < 0.95 * f, "alignment should beat a fixed crop of the same view: {a:.1} vs {f:.1}");
    assert!(a < c, "alignment should beat the centre crop: {a:.1} vs {c:.1}");
}

#[test]
fn aligned_eyes_land_on_the_template() {
    let Some(photos) = jaffe() else { return };
    let template = Template::canonical(128);
    let net = Landmarker::new().unwrap();
    let (mut mapped_err, mut rerun_err, mut rerun_n) = (0.0f64, 0.0f64, 0usize);
    let dist = |p: (f32, f32), q: (f32, f32)| f64::from((p.0 - q.0).hypot(p.1 - q.1));
    for (_, img, pts) in photos {
        let aligned = align_face(img, pts, &template).unwrap();
        let (l, r) = eye_centres(&landmarks_to_crop(pts, &aligned.transform));
        mapped_err += (dist(l, template.points[0]) + dist(r, template.points[1])) / 2.0;
        // Landmarks found afresh on the crop: alignment as a landmark model sees it.
        let crop_opts = DetectOptions { min_size: 40, ..DetectOptions::default() };
        if let Some(face) = detect_faces(&aligned.crop, &crop_opts).ok().and_then(|f| f.into_iter().next()) {
            let (l, r) = eye_centres(&net.landmarks(&aligned.crop, &face).unwrap());
            rerun_err += (dist(l, template.points[0]) + dist(r, template.points[1])) / 2.0;
            rerun_n += 1;
        }
    }
    let mapped = mapped_err / photos.len() as f64;
    println!("mean eye-centre error over {} photos: {mapped:.2} px (mapped landmarks)", photos.len());
    if rerun_n > 0 {
        println!("  {:.2} px with landmarks re-detected on {rerun_n} crops", rerun_err / rerun_n as f64);
    }
    assert!(mapped < 2.0, "eye centres {mapped:.2} px from the template on average");
    assert!(rerun_n == 0 || rerun_err / (rerun_n as f64) < 2.0);
}

fn astronaut_face() -> Option<(Image<u8>, Landmarks)> {
    let img = load(&common::sample("astronaut.png")?, DecodeLimits::default()).unwrap();
    let face = detect_faces(&img, &DetectOptions::default()).unwrap()[0];
    let pts = Landmarker::new().unwrap().landmarks(&img, &face).unwrap();
    Some((img, pts))
}

#[test]
fn unedited_paste_returns_the_photo_and_edits_stay_on_the_face() {
    let Some((img, pts)) = astronaut_face() else { return };
    let aligned = align_face(&img, &pts, &Template::default()).unwrap();
    assert_eq!((aligned.crop.width(), aligned.crop.channels()), (128, 3));
    let same = paste_back(&img, &aligned.crop, &aligned.crop, &aligned.transform, &pts).unwrap();
    assert_eq!(same, img, "an unedited crop must give back the photo");
    let as_f32 = aligned.crop.to_f32();
    let same = paste_back(&img, &as_f32, &aligned.crop, &aligned.transform, &pts).unwrap();
    assert_eq!(same, img);

    let brighter = Image::from_planar(128, 128, 3, as_f32.data().iter().map(|v| v + 60.0).collect()).unwrap();
    let out = paste_back(&img, &brighter, &aligned.crop, &aligned.transform, &pts).unwrap();
    let (w, h) = (img.width(), img.height());
    let (xs, ys): (Vec<f32>, Vec<f32>) = pts.iter().copied().unzip();
    let (fx0, fx1) = (xs.iter().copied().fold(f32::MAX, f32::min), xs.iter().copied().fold(f32::MIN, f32::max));
    let (fy0, fy1) = (ys.iter().copied().fold(f32::MAX, f32::min), ys.iter().copied().fold(f32::MIN, f32::max));
    let mut changed = 0;
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if (0..3).any(|c| out.data()[c * w * h + i] != img.data()[c * w * h + i]) {
                changed += 1;
                let (xf, yf) = (x as f32, y as f32);
                let margin = 0.5 * (fy1 - fy0);
                assert!(xf > fx0 - 2.0 && xf < fx1 + 2.0 && yf > fy0 - margin && yf < fy1 + 2.0, "({x}, {y}) changed");
            }
        }
    }
    assert!(changed > 3_000, "only {changed} pixels changed");
    // The middle of the face gets the full edit (up to rounding and saturation).
    let (cx, cy) = (pts[30].0 as usize, pts[30].1 as usize);
    let i = cy * w + cx;
    assert!(out.data()[i] >= img.data()[i].saturating_add(59), "nose tip not brightened");
}

#[test]
fn faces_at_the_border_paste_without_panicking() {
    let Some((img, pts)) = astronaut_face() else { return };
    // Cut the photo through the face, so the face runs off the left and top edges.
    let (x0, y0) = (pts[30].0 as usize, pts[27].1 as usize);
    let cut = sub_image(&img, x0, y0, img.width() - x0, img.height() - y0);
    let shifted = pts.map(|(x, y)| (x - x0 as f32, y - y0 as f32));
    let aligned = align_face(&cut, &shifted, &Template::default()).unwrap();
    let out = paste_back(&cut, &aligned.crop, &aligned.crop, &aligned.transform, &shifted).unwrap();
    assert_eq!(out, cut);
    let edited = aligned.crop.to_f32();
    let edited = Image::from_planar(128, 128, 3, edited.data().iter().map(|v| 255.0 - v).collect()).unwrap();
    let out = paste_back(&cut, &edited, &aligned.crop, &aligned.transform, &shifted).unwrap();
    assert_eq!((out.width(), out.height(), out.channels()), (cut.width(), cut.height(), 3));
    assert_ne!(out, cut);
}

#[test]
fn bad_input_fails_cleanly() {
    let img = Image::<u8>::new(64, 64, 1);
    let mut pts = [(0.0f32, 0.0f32); 68];
    for (i, p) in pts.iter_mut().enumerate() {
        *p = ((i % 10) as f32 * 5.0 + 5.0, (i / 10) as f32 * 6.0 + 10.0);
    }
    let aligned = align_face(&img, &pts, &Template::default()).unwrap();
    assert!(matches!(align_face(&img, &[(1.0, 1.0); 68], &Template::default()), Err(Error::BadLandmarks(_))));
    let mut nan = pts;
    nan[40].0 = f32::NAN;
    assert!(align_face(&img, &nan, &Template::default()).is_err());
    assert!(align_face(&Image::new(0, 0, 1), &pts, &Template::default()).is_err());
    let bad = Template { size: 128, points: vec![(1.0, 1.0)] };
    assert!(matches!(align_face(&img, &pts, &bad), Err(Error::BadTemplate(_))));
    let small = Image::<u8>::new(64, 64, 1);
    let r = paste_back(&img, &small, &aligned.crop, &aligned.transform, &pts);
    assert!(matches!(r, Err(Error::CropMismatch { .. })));
    let rgb = Image::<u8>::new(128, 128, 3);
    assert!(paste_back(&img, &rgb, &rgb, &aligned.transform, &pts).is_err());
    let zero = Similarity { a: 0.0, b: 0.0, tx: 0.0, ty: 0.0 };
    assert!(paste_back(&img, &aligned.crop, &aligned.crop, &zero, &pts).is_err());
    let huge = Similarity { a: 1e30, b: -1e30, tx: f32::MAX, ty: 0.0 };
    assert!(paste_back(&img, &aligned.crop, &aligned.crop, &huge, &pts).is_err());
    let far = Similarity { a: 1.0, b: 0.0, tx: 1e6, ty: -1e6 };
    assert_eq!(paste_back(&img, &aligned.crop, &aligned.crop, &far, &pts).unwrap(), img);
}
