//! Tracking through a sequence: a still face repeated over 30 frames with
//! sensor noise must keep one identity, its smoothed landmarks must not
//! jitter (frame-to-frame RMS ≤ 0.3 px), and the edited frames must differ
//! from each other by about the noise only.

use mien::core::image::{self, Image};
use mien::{Editor, FaceFinder, Timings, Tracker, TrackerOptions};

/// The astronaut with Gaussian noise (σ = 4 grey levels) from a fixed seed.
fn noisy_frames(n: usize) -> Vec<Image<u8>> {
    let photo =
        image::decode(mien::samples::sample("astronaut").unwrap().png, "astronaut".as_ref(), Default::default())
            .unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let mut f = photo.clone();
            for v in f.data_mut() {
                let g = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
                *v = (f64::from(*v) + 4.0 * g).round().clamp(0.0, 255.0) as u8;
            }
            f
        })
        .collect()
}

fn rms_step(a: &[(f32, f32); 68], b: &[(f32, f32); 68]) -> f32 {
    (a.iter().zip(b).map(|(p, q)| (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sum::<f32>() / 68.0).sqrt()
}

fn mean_abs_diff(a: &Image<u8>, b: &Image<u8>) -> f64 {
    let d: u64 = a.data().iter().zip(b.data()).map(|(&x, &y)| u64::from(x.abs_diff(y))).sum();
    d as f64 / a.data().len() as f64
}

#[test]
fn still_face_with_noise_keeps_its_id_and_does_not_jitter() {
    let frames = noisy_frames(30);
    let finder = FaceFinder::new().unwrap();
    let mut tracker = Tracker::new(TrackerOptions::default()).unwrap();
    let opts = mien::faces::detect_options(None);
    let editor = Editor::builtin("masked", "happy").unwrap();
    let mut tracked = Vec::new();
    let mut edited = Vec::new();
    for f in &frames {
        let faces = tracker.next(&finder, f, &opts).unwrap();
        assert_eq!(faces.len(), 1, "frame {}", tracked.len());
        assert_eq!(faces[0].id, 1, "one identity");
        let found = vec![faces[0].found.clone()];
        edited.push(editor.edit_faces(f, &found, &mut Timings::default()).unwrap().image);
        tracked.push(faces[0].clone());
    }
    let steps = |pick: &dyn Fn(&mien::TrackedFace) -> [(f32, f32); 68]| {
        let s: Vec<f32> = tracked.windows(2).map(|w| rms_step(&pick(&w[0]), &pick(&w[1]))).collect();
        (s.iter().map(|v| v * v).sum::<f32>() / s.len() as f32).sqrt()
    };
    let raw = steps(&|t| t.raw);
    let smooth = steps(&|t| t.found.landmarks);
    eprintln!("landmark jitter, frame-to-frame RMS: raw {raw:.3} px, smoothed {smooth:.3} px");
    assert!(smooth <= 0.3, "smoothed jitter {smooth} px");
    let input: f64 = frames.windows(2).map(|w| mean_abs_diff(&w[0], &w[1])).sum::<f64>() / 29.0;
    let output: f64 = edited.windows(2).map(|w| mean_abs_diff(&w[0], &w[1])).sum::<f64>() / 29.0;
    eprintln!("mean |frame − previous|: input {input:.2}, edited {output:.2} grey levels");
    assert!(output <= input * 1.15, "edited frames differ by {output}, input frames by {input}");
}

#[test]
fn bad_tracker_options_are_rejected() {
    assert!(Tracker::new(TrackerOptions { key_every: 0, ..Default::default() }).is_err());
    assert!(Tracker::new(TrackerOptions { min_iou: 1.5, ..Default::default() }).is_err());
    assert!(Tracker::new(TrackerOptions { min_cutoff: f32::NAN, ..Default::default() }).is_err());
}
