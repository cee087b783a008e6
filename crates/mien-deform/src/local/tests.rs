//! Regions, sliders and the per-pixel local fit, on a hand-built model.

use mien_core::image::Image;

use super::*;
use crate::model::{DeformParams, MotionSource};
use crate::Deform;

const W: usize = 96;

/// The mean face at 96 px (eye centres 31 px apart), as a template would place it.
fn face() -> Points {
    #[rustfmt::skip]
    let eye_frame: [(f32, f32); 68] = [
        (-1.098, 0.026), (-1.063, 0.321), (-1.008, 0.604), (-0.947, 0.837), (-0.855, 1.087), (-0.714, 1.280),
        (-0.538, 1.414), (-0.309, 1.550), (0.021, 1.624), (0.339, 1.539), (0.544, 1.414), (0.703, 1.290),
        (0.846, 1.089), (0.953, 0.842), (1.012, 0.597), (1.071, 0.330), (1.094, 0.040), (-0.897, -0.269),
        (-0.766, -0.402), (-0.598, -0.438), (-0.435, -0.419), (-0.292, -0.370), (0.298, -0.370), (0.438, -0.422),
        (0.600, -0.445), (0.775, -0.408), (0.893, -0.279), (0.003, 0.030), (0.002, 0.238), (0.001, 0.427),
        (-0.007, 0.600), (-0.175, 0.718), (-0.098, 0.749), (-0.004, 0.767), (0.096, 0.743), (0.174, 0.727),
        (-0.682, -0.017), (-0.582, -0.063), (-0.438, -0.056), (-0.305, 0.018), (-0.419, 0.065), (-0.573, 0.052),
        (0.303, 0.018), (0.435, -0.065), (0.582, -0.066), (0.681, -0.001), (0.576, 0.063), (0.423, 0.051),
        (-0.362, 1.092), (-0.235, 1.020), (-0.089, 0.972), (-0.006, 0.989), (0.074, 0.965), (0.239, 1.039),
        (0.370, 1.103), (0.248, 1.212), (0.133, 1.278), (-0.001, 1.293), (-0.119, 1.275), (-0.247, 1.217),
        (-0.340, 1.093), (-0.120, 1.067), (-0.005, 1.067), (0.106, 1.070), (0.336, 1.101), (0.115, 1.147),
        (0.003, 1.160), (-0.111, 1.152),
    ];
    eye_frame.map(|(x, y)| (W as f32 * (0.5 + 0.32 * x), W as f32 * (0.4 + 0.32 * y)))
}

fn rnd(seed: &mut u64) -> f32 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*seed >> 33) as f32 / (1u64 << 31) as f32 - 0.5
}

/// A model with the six prototype groups, a smooth random basis of up to
/// ~3 px and random texture maps.
fn model() -> Deform {
    let d = W * W;
    let mut seed = 7u64;
    let groups: Vec<(String, AuVector)> =
        crate::au::PROTOTYPES.iter().map(|(n, _)| (n.to_string(), AuVector::from_expression(n).unwrap())).collect();
    let mut basis = vec![0.0f32; AU_COUNT * 2 * d];
    for k in 0..AU_COUNT {
        let (a, b, c) = (rnd(&mut seed), rnd(&mut seed), rnd(&mut seed));
        for p in 0..d {
            let (x, y) = ((p % W) as f32 / W as f32, (p / W) as f32 / W as f32);
            basis[k * 2 * d + p] = 3.0 * (a * (6.0 * x + c).sin() + b * y);
            basis[k * 2 * d + d + p] = 3.0 * (b * (5.0 * y - c).cos() + a * x);
        }
    }
    let params = DeformParams::default().motion(MotionSource::Landmarks);
    let k1 = params.texture_window.pow(2) + 1;
    let texture: Vec<f32> = (0..groups.len() * k1 * d).map(|_| 0.05 * rnd(&mut seed)).collect();
    let aus: Vec<AuVector> = groups.iter().map(|g| g.1).collect();
    let mix = crate::model::ridge_mix(&aus, params.basis_ridge).unwrap().iter().map(|&m| m as f32).collect();
    Deform { params, width: W, height: W, groups, basis, texture, mix, max_pixel_flow: 6.0, max_mean_flow: 3.0 }
}

fn photo() -> Image<f32> {
    let mut seed = 3u64;
    Image::from_planar(W, W, 1, (0..W * W).map(|_| 0.5 + 0.4 * rnd(&mut seed)).collect()).unwrap()
}

#[test]
fn hull_distance_matches_brute_force() {
    let mut seed = 11u64;
    let pts: Vec<(f32, f32)> = (0..12).map(|_| (20.0 * rnd(&mut seed), 20.0 * rnd(&mut seed))).collect();
    let h = hull(pts.clone());
    // Every point is inside or on the hull.
    assert!(pts.iter().all(|&p| distance_to_hull(&h, p) < 1e-4));
    // Outside: the distance to the densely sampled boundary.
    for _ in 0..200 {
        let q = (40.0 * rnd(&mut seed), 40.0 * rnd(&mut seed));
        let d = distance_to_hull(&h, q);
        let boundary = (0..h.len()).flat_map(|i| {
            let (a, b) = (h[i], h[(i + 1) % h.len()]);
            (0..=1000).map(move |t| {
                let t = t as f32 / 1000.0;
                (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
            })
        });
        let brute = boundary.map(|p| (p.0 - q.0).hypot(p.1 - q.1)).fold(f32::INFINITY, f32::min);
        assert!(d == 0.0 || (d - brute).abs() < 0.05, "{q:?}: {d} vs {brute}");
    }
}

#[test]
fn every_region_lies_on_the_face_and_fades_out() {
    let p = face();
    for (r, mask) in REGIONS.iter().zip(region_masks(&p, W, W)) {
        let full = mask.iter().filter(|&&m| m == 1.0).count();
        let any = mask.iter().filter(|&&m| m > 0.0).count();
        assert!(full > 10, "AU{}: {full} full-strength pixels", r.au);
        assert!(any > full && any < W * W / 2, "AU{}: {any} of {} pixels", r.au, W * W);
        assert!(mask.iter().all(|&m| (0.0..=1.0).contains(&m)));
    }
    let masks = region_masks(&p, W, W);
    let at = |au: u8, (x, y): (f32, f32)| masks[crate::au::index_of(au).unwrap()][y as usize * W + x as usize];
    // Brows are not the mouth's and the other way round.
    assert_eq!(at(12, p[19]), 0.0);
    assert_eq!(at(1, p[48]), 0.0);
    assert_eq!(at(12, p[48]), 1.0);
    assert_eq!(at(1, p[20]), 1.0);
    assert_eq!(at(26, p[8]), 1.0);
}

#[test]
fn with_every_mask_full_the_local_fit_is_the_global_mix() {
    let m = model();
    let ones = vec![vec![1.0f32; W * W]; AU_COUNT];
    let a = AuVector::from_expression("fear").unwrap().plus(&AuVector::from_expression("happy").unwrap().scaled(-0.5));
    let c = m.local_coefficients(&ones, &a);
    let g = m.groups.len();
    let global: Vec<f64> =
        (0..g).map(|j| (0..AU_COUNT).map(|k| f64::from(a.0[k]) * f64::from(m.mix[k * g + j])).sum()).collect();
    for p in [0, 17, W * W - 1] {
        for j in 0..g {
            assert!((c[p * g + j] - global[j]).abs() < 1e-5, "pixel {p} group {j}: {} vs {}", c[p * g + j], global[j]);
        }
    }
}

#[test]
fn each_slider_moves_only_its_region() {
    let (m, p, x) = (model(), face(), photo());
    let masks = region_masks(&p, W, W);
    for (i, f) in FEATURES.iter().enumerate() {
        let mut s = Features::zero();
        s.0[i] = 1.0;
        let change = LocalChange::from_features(&s);
        let inside: Vec<bool> = (0..W * W)
            .map(|q| {
                f.aus.iter().any(|&(au, _)| masks[crate::au::index_of(au).unwrap()][q] > 0.0)
                    || (i == WINK && wink_mask(&p, W, W, 1.0)[q] > 0.0)
            })
            .collect();
        let flow = m.local_flow(&p, &change).unwrap();
        let out = m.predict_local(&x.view(), &p, &change).unwrap().output;
        let mut moved_inside = 0.0f32;
        for (q, &inside) in inside.iter().enumerate() {
            let motion = flow.u[q].hypot(flow.v[q]);
            let dv = (out.data()[q] - x.data()[q]).abs();
            if inside {
                moved_inside = moved_inside.max(motion);
            } else {
                assert!(motion < 0.3, "{}: flow {motion} px at ({}, {}) outside", f.name, q % W, q / W);
                assert!(dv < 1.0 / 255.0, "{}: change {dv} at ({}, {}) outside", f.name, q % W, q / W);
            }
        }
        assert!(moved_inside > 0.5, "{}: the region barely moves ({moved_inside} px)", f.name);
    }
}

#[test]
fn wink_closes_the_chosen_eye() {
    let (m, p) = (model(), face());
    let f = m.local_flow(&p, &LocalChange { wink: 1.0, ..Default::default() }).unwrap();
    // Between the lids of the eye on the left, output pixels fetch from above (v < 0).
    let mid = ((p[37].0 + p[41].0) / 2.0, (p[37].1 + p[41].1) / 2.0 + 0.5);
    let q = mid.1 as usize * W + mid.0 as usize;
    assert!(f.v[q] < -0.5, "{}", f.v[q]);
    let other = ((p[43].0 + p[47].0) / 2.0) as usize + ((p[43].1 + p[47].1) / 2.0) as usize * W;
    assert_eq!((f.u[other], f.v[other]), (0.0, 0.0));
    let g = m.local_flow(&p, &LocalChange { wink: -1.0, ..Default::default() }).unwrap();
    assert!(g.v[other] < -0.5 && g.v[q] == 0.0);
}

#[test]
fn sliders_parse_and_refuse_bad_values() {
    let s: Features = "smile=0.8, brows_up=-0.25,wink=1".parse().unwrap();
    assert_eq!(s.get("smile"), Some(0.8));
    assert_eq!(s.get("brows-up"), Some(-0.25));
    assert_eq!(s.to_string(), "smile=0.8,brows-up=-0.25,wink=1");
    assert_eq!(s.au_change().get(12), Some(0.8));
    assert_eq!(s.au_change().get(2), Some(-0.25));
    assert_eq!(s.wink(), 1.0);
    let e = |t: &str| t.parse::<Features>().unwrap_err().to_string();
    assert!(e("grin=1").contains("unknown feature `grin`"), "{}", e("grin=1"));
    assert!(e("nose-wrinkle=-0.5").contains("0 to 1"), "{}", e("nose-wrinkle=-0.5"));
    assert!(e("smile=2").contains("-1 to 1"), "{}", e("smile=2"));
    assert!(e("smile=NaN").contains("-1 to 1"));
    assert!(e("smile").contains("smile=0.8"));
    assert!(e("smile=1,smile=0").contains("twice"));
    for expr in ["happy", "surprise", "sad", "angry", "disgust", "fear"] {
        assert!(!Features::preset(expr).unwrap().is_zero(), "{expr}");
    }
    assert!(Features::preset("neutral").unwrap().is_zero());
    assert!(Features::preset("smirk").is_err());
}

#[test]
fn a_zero_change_returns_the_input_and_bad_changes_are_refused() {
    let (m, p, x) = (model(), face(), photo());
    let out = m.predict_local(&x.view(), &p, &LocalChange::default()).unwrap();
    assert_eq!(out.output.data(), x.data());
    let bad = LocalChange { au: AuVector([f32::NAN; AU_COUNT]), wink: 0.0 };
    assert!(m.predict_local(&x.view(), &p, &bad).is_err());
    let mut q = p;
    q[3].0 = f32::INFINITY;
    assert!(m.local_flow(&q, &LocalChange::from_features(&"smile=1".parse().unwrap())).is_err());
    let small = Image::from_planar(8, 8, 1, vec![0.5f32; 64]).unwrap();
    assert!(m.predict_local(&small.view(), &p, &LocalChange::default()).is_err());
}
