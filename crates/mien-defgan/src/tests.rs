//! The crate's tests, in one binary (each burn test binary costs minutes to link).

use std::path::Path;

use burn::prelude::*;
use mien_core::image::Image;
use mien_core::model_file::TrainingInfo;
use mien_core::synthetic::{smooth_image, Rng};
use mien_deform::au::{AuVector, AU_COUNT};

use crate::data::TrainSet;
use crate::file::{named_tensors, DefganFile, Error};
use crate::model::{compose, Generator};
use crate::net::{Conditioning, Critic, NetConfig};
use crate::train::{seeded, TrainConfig, Trainer};
use crate::warp::{identity_grid, pixels_per_unit, warp};

fn random(rng: &mut Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| lo + (hi - lo) * rng.uniform() as f32).collect()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

/// sum(R ⊙ warp(img, flow)) on a plain device.
fn warp_objective(img: &[f32], flow: &[f32], r: &[f32], dims: [usize; 4]) -> f64 {
    let device = Device::flex();
    let [n, _, h, w] = dims;
    let x = Tensor::<4>::from_data(TensorData::new(img.to_vec(), dims), &device);
    let f = Tensor::<4>::from_data(TensorData::new(flow.to_vec(), [n, 2, h, w]), &device);
    let y = values(warp(x, f, &identity_grid(h, w, &device)));
    y.iter().zip(r).map(|(a, b)| (*a as f64) * (*b as f64)).sum()
}

#[test]
fn warp_gradients_match_finite_differences() {
    let mut rng = Rng::new(7);
    let dims = [1, 2, 5, 6];
    let [n, c, h, w] = dims;
    let img = random(&mut rng, n * c * h * w, -1.0, 1.0);
    let r = random(&mut rng, n * c * h * w, -1.0, 1.0);
    // Displacements of 0.2..0.8 px either way: no sample sits on a pixel
    // boundary, where bilinear interpolation has a kink.
    let flow: Vec<f32> = (0..n * 2 * h * w)
        .map(|i| {
            let px = 0.2 + 0.6 * rng.uniform() as f32;
            let sign = if rng.uniform() < 0.5 { -1.0 } else { 1.0 };
            let per_unit = pixels_per_unit(if (i / (h * w)) % 2 == 0 { w } else { h });
            sign * px / per_unit
        })
        .collect();

    let device = Device::flex().autodiff();
    let x = Tensor::<4>::from_data(TensorData::new(img.clone(), dims), &device).require_grad();
    let f = Tensor::<4>::from_data(TensorData::new(flow.clone(), [n, 2, h, w]), &device).require_grad();
    let rt = Tensor::<4>::from_data(TensorData::new(r.clone(), dims), &device);
    let grads = (warp(x.clone(), f.clone(), &identity_grid(h, w, &device)) * rt).sum().backward();
    let gx = values(x.grad(&grads).expect("image gradient"));
    let gf = values(f.grad(&grads).expect("flow gradient"));

    let mut worst: f64 = 0.0;
    for i in 0..img.len() {
        let (mut p, mut m) = (img.clone(), img.clone());
        p[i] += 0.01;
        m[i] -= 0.01;
        let fd = (warp_objective(&p, &flow, &r, dims) - warp_objective(&m, &flow, &r, dims)) / 0.02;
        worst = worst.max((fd - gx[i] as f64).abs());
        assert!((fd - gx[i] as f64).abs() < 2e-3, "image grad {i}: autodiff {} vs finite difference {fd}", gx[i]);
    }
    let mut nonzero = 0;
    for i in 0..flow.len() {
        let (mut p, mut m) = (flow.clone(), flow.clone());
        let hstep = 1e-3;
        p[i] += hstep;
        m[i] -= hstep;
        let fd = (warp_objective(&img, &p, &r, dims) - warp_objective(&img, &m, &r, dims)) / (2.0 * hstep as f64);
        let tol = 2e-3 * (1.0 + fd.abs());
        assert!((fd - gf[i] as f64).abs() < tol, "flow grad {i}: autodiff {} vs finite difference {fd}", gf[i]);
        nonzero += (fd.abs() > 1e-3) as usize;
        worst = worst.max((fd - gf[i] as f64).abs());
    }
    // Interior samples move with the flow: most flow gradients are non-zero.
    assert!(nonzero > flow.len() / 2, "only {nonzero} of {} flow gradients are non-zero", flow.len());
    println!("warp gradient check: largest |autodiff − finite difference| = {worst:.2e}");
}

#[test]
fn zero_flow_and_full_mask_return_the_input() {
    let device = Device::flex();
    let mut rng = Rng::new(3);
    let (n, c, h, w) = (2, 3, 16, 16);
    let img = random(&mut rng, n * c * h * w, -1.0, 1.0);
    let x = Tensor::<4>::from_data(TensorData::new(img.clone(), [n, c, h, w]), &device);
    let warped = warp(x.clone(), Tensor::zeros([n, 2, h, w], &device), &identity_grid(h, w, &device));
    let colour =
        Tensor::<4>::from_data(TensorData::new(random(&mut rng, n * c * h * w, -1.0, 1.0), [n, c, h, w]), &device);
    let y = values(compose(warped.clone(), colour.clone(), Tensor::ones([n, 1, h, w], &device)));
    let err = y.iter().zip(&img).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(err < 1e-5, "zero flow, M = 1: output differs from the input by {err}");
    // M = 0 gives the colour image.
    let y0 = values(compose(warped, colour.clone(), Tensor::zeros([n, 1, h, w], &device)));
    assert_eq!(y0, values(colour));

    // A fresh generator starts from zero flow (its motion head is zero), so
    // its warped stage is the input.
    let g = Generator::new(&NetConfig::new(16, 3), &device);
    let au = Tensor::<2>::from_data(TensorData::new(random(&mut rng, n * AU_COUNT, 0.0, 1.0), [n, AU_COUNT]), &device);
    let st = g.forward(x, au);
    assert!(values(st.flow).iter().all(|&v| v == 0.0));
    let warped = values(st.warped);
    let err = warped.iter().zip(&img).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(err < 1e-5, "warped stage differs from the input by {err}");
}

#[test]
fn gradient_penalty_difference_matches_the_gradient_norm() {
    // The finite difference along u = g/‖g‖ recovers ‖g‖ (see train.rs).
    let device = Device::flex().autodiff();
    let cfg = NetConfig::new(16, 1);
    let critic = seeded(&device, 5, || Critic::new(&cfg, &device));
    let mut rng = Rng::new(9);
    let x = random(&mut rng, 2 * 16 * 16, -1.0, 1.0);
    let xhat = Tensor::<4>::from_data(TensorData::new(x, [2, 1, 16, 16]), &device);
    let probe = xhat.clone().require_grad();
    let grads = critic.forward(probe.clone()).0.sum().backward();
    let g = probe.grad(&grads).expect("gradient");
    let norms: Vec<f32> = values(g.clone().powi_scalar(2).reshape([2, 256]).sum_dim(1).sqrt());
    let norm = g.clone().powi_scalar(2).reshape([2, 256]).sum_dim(1).sqrt();
    let u = (g / norm.reshape([2, 1, 1, 1]).expand([2, 1, 16, 16])).autodiff();
    let h = TrainConfig::new(16, 1).gp_step;
    let plus = critic.forward(xhat.clone() + u.clone().mul_scalar(h)).0;
    let minus = critic.forward(xhat - u.mul_scalar(h)).0;
    let slope = values((plus - minus).div_scalar(2.0 * h));
    for (s, n) in slope.iter().zip(&norms) {
        assert!(*n > 0.0);
        assert!((s - n).abs() < 0.02 * n, "directional difference {s} vs gradient norm {n}");
    }
}

/// Smooth random grey faces with an "expression": each expression image is
/// its neutral image shifted by a known displacement with a brightened band,
/// labelled with a one-hot AU vector.
fn synthetic_set(size: usize, subjects: usize) -> TrainSet {
    let mut rng = Rng::new(11);
    let d = size * size;
    let mut set = TrainSet { size, channels: 1, pixels: Vec::new(), labels: Vec::new(), pairs: Vec::new() };
    for _ in 0..subjects {
        let base: Vec<f32> = smooth_image(&mut rng, size, size, 1).iter().map(|v| (*v as f32) * 2.0 - 1.0).collect();
        let s = set.labels.len();
        set.pixels.extend(&base);
        set.labels.push(AuVector::zero());
        for (k, shift) in [(8usize, 1isize), (14usize, 2isize)] {
            let mut img = vec![0.0f32; d];
            for y in 0..size {
                for x in 0..size {
                    let sy = (y as isize - shift).clamp(0, size as isize - 1) as usize;
                    let band = if y > size * 2 / 3 { 0.3 } else { 0.0 };
                    img[y * size + x] = (base[sy * size + x] + band).clamp(-1.0, 1.0);
                }
            }
            let mut au = AuVector::zero();
            au.0[k] = 1.0;
            set.pixels.extend(&img);
            set.labels.push(au);
            set.pairs.push((s, set.labels.len() - 1));
        }
    }
    set
}

fn tiny_config() -> TrainConfig {
    let mut c = TrainConfig::new(32, 1);
    c.net.gen_width = 8;
    c.net.res_blocks = 1;
    c.net.critic_width = 8;
    c.batch_size = 4;
    c.lr = 1e-3;
    c.seed = 3;
    c
}

#[test]
fn tiny_configuration_halves_the_reconstruction_loss() {
    let set = synthetic_set(32, 6);
    let config = tiny_config();
    let w = config.weights.clone();
    let mut t = Trainer::new(config, &Device::flex()).expect("valid config");
    let eval = |t: &Trainer| (0..8).map(|s| t.evaluate(&set, 100 + s).reconstruction(&w)).sum::<f32>() / 8.0;
    let before = eval(&t);
    let start = std::time::Instant::now();
    for _ in 0..300 {
        let l = t.step(&set);
        assert!(l.total.is_finite() && l.critic_wasserstein.is_finite(), "non-finite loss at step {}", l.step);
    }
    let after = eval(&t);
    println!(
        "tiny defgan (32×32 grey, widths 8, 300 steps of 5 critic + 1 generator): reconstruction {before:.4} → {after:.4} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(after <= 0.5 * before, "reconstruction fell only from {before} to {after}");
}

#[test]
fn supervised_warm_up_trains_the_generator_only() {
    let set = synthetic_set(32, 4);
    let mut config = tiny_config();
    config.critic_steps = 0;
    config.weights.cycle = 0.0;
    let err = config.check().expect_err("critic steps 0 without the paired term refused");
    assert!(matches!(err, crate::Error::WarmUpWithoutPairedL1), "{err}");
    assert!(err.to_string().contains("weights.paired_l1"), "{err}");
    config.weights.paired_l1 = 10.0;
    config.check().expect("warm-up settings");
    let device = Device::flex();
    let mut t = Trainer::new(config, &device).expect("config");
    let probe = Tensor::<4>::from_data(
        TensorData::new(random(&mut Rng::new(5), 2 * 32 * 32, -1.0, 1.0), [2, 1, 32, 32]),
        &device,
    );
    let critic_before = values(t.critic.forward(probe.clone()).0);
    let eval = |t: &Trainer| (0..4).map(|s| t.evaluate(&set, 200 + s).paired).sum::<f32>() / 4.0;
    let before = eval(&t);
    for _ in 0..60 {
        let l = t.step(&set);
        assert_eq!((l.adversarial, l.au, l.cycle), (0.0, 0.0, 0.0), "no critic or cycle terms in the warm-up");
        assert!(l.total.is_finite());
    }
    let after = eval(&t);
    assert!(after < 0.7 * before, "paired L1 fell only from {before} to {after}");
    assert_eq!(values(t.critic.forward(probe).0), critic_before, "the warm-up must leave the critic alone");
}

#[test]
fn film_conditioning_starts_as_ganimation_and_trains_its_shifts() {
    let device = Device::flex();
    let mut film = tiny_config();
    assert_eq!(film.net.conditioning, Conditioning::Film, "film is the default");
    let g = seeded(&device, 21, || Generator::new(&film.net, &device));
    let shifts = |g: &Generator| -> Vec<f32> {
        named_tensors(g).into_iter().filter(|(n, _, _)| n.contains(".film.")).flat_map(|(_, _, v)| v).collect()
    };
    // Stem, one residual block, two upsamplings, in both bodies: 17 × (8 + 32 + 16 + 8) × 2.
    assert_eq!(shifts(&g).len(), AU_COUNT * 64 * 2);
    assert!(shifts(&g).iter().all(|v| *v == 0.0), "AU shifts start at zero");

    // The same weights read as an input-conditioned network (the file names
    // every tensor; an `input` model reads all but the shifts) edit alike.
    let mut input = film.clone();
    input.net.conditioning = Conditioning::Input;
    let info = TrainingInfo { pairs: 0, source: "test".into(), seconds: 0.0, expression: None, licence: None };
    let bytes = DefganFile::new(g.clone(), input, info.clone(), None).to_bytes().expect("serialise");
    let ganimation = DefganFile::from_bytes(&bytes, Path::new("m.safetensors"), &device).expect("parse");
    assert!(shifts(&ganimation.generator).is_empty());
    let ours = DefganFile::new(g, film.clone(), info, None);
    let mut rng = Rng::new(8);
    let photo = Image::from_planar(32, 32, 1, random(&mut rng, 32 * 32, 0.0, 1.0)).expect("image");
    let au = AuVector::from_expression("happy").expect("happy");
    let (a, b) = (ours.edit(&photo.view(), &au).expect("edit"), ganimation.edit(&photo.view(), &au).expect("edit"));
    assert_eq!(a, b, "zero shifts must leave GANimation's network unchanged");

    // Training moves the shifts off zero.
    film.critic_steps = 0;
    film.weights.cycle = 0.0;
    film.weights.paired_l1 = 10.0;
    let mut t = Trainer::new(film, &device).expect("config");
    let set = synthetic_set(32, 2);
    for _ in 0..3 {
        t.step(&set);
    }
    let moved = shifts(&t.generator).iter().filter(|v| v.abs() > 0.0).count();
    assert!(moved > AU_COUNT, "only {moved} AU-shift weights moved in 3 steps");

    // Model files from before the setting existed are GANimation's form.
    let mut json = serde_json::to_value(NetConfig::new(64, 1)).expect("json");
    json.as_object_mut().expect("object").remove("conditioning");
    let old: NetConfig = serde_json::from_value(json).expect("old config");
    assert_eq!(old.conditioning, Conditioning::Input);
}

#[test]
fn same_seed_same_networks_whatever_draws_in_between() {
    let device = Device::flex();
    let a = Trainer::new(tiny_config(), &device).expect("config");
    // Another network drawn from the shared generator in between, and used.
    let other = Generator::new(&NetConfig::new(32, 1), &device);
    assert!(!named_tensors(&other).is_empty());
    let b = Trainer::new(tiny_config(), &device).expect("config");
    assert!(
        named_tensors(&a.generator) == named_tensors(&b.generator),
        "generator init depends on draws after seeding"
    );
    let probe = Tensor::<4>::from_data(
        TensorData::new(random(&mut Rng::new(2), 32 * 32, -1.0, 1.0), [1, 1, 32, 32]),
        a.device(),
    );
    assert!(values(a.critic.forward(probe.clone()).1) == values(b.critic.forward(probe).1), "critic init differs");
}

#[test]
fn paired_change_emphasis_weights_what_the_expression_moves() {
    let set = synthetic_set(32, 2);
    let mut config = tiny_config();
    (config.critic_steps, config.weights.cycle, config.weights.paired_change) = (0, 0.0, 4.0);
    let err = config.check().expect_err("an emphasis without the paired term is refused");
    assert!(err.to_string().contains("weights.paired_l1"), "{err}");
    let mut with_critic = config.clone();
    with_critic.critic_steps = 1;
    let err = with_critic.check().expect_err("also with a critic");
    assert!(matches!(err, crate::Error::ChangeWithoutPairedL1 { paired_change: 4.0 }), "{err}");
    config.weights.paired_l1 = 10.0;
    let device = Device::flex();
    let mut plain = config.clone();
    plain.weights.paired_change = 0.0;
    let (plain, emphasised) =
        (Trainer::new(plain, &device).expect("config"), Trainer::new(config, &device).expect("config"));
    let (lp, le) = (plain.evaluate(&set, 9), emphasised.evaluate(&set, 9));
    assert_eq!(lp.paired, le.paired, "the reported paired L1 stays the plain one");

    // Brute force on the same batch: mean of |y − t|·(1 + 4·|t − x|/2).
    let b = set.batch(&mut Rng::new(9), 4, true, false, emphasised.device());
    let y = values(emphasised.generator.forward(b.x.clone(), b.au_y.clone()).output);
    let (x, t) = (values(b.x), values(b.target));
    let weighted =
        y.iter().zip(&t).zip(&x).map(|((y, t), x)| ((y - t).abs() * (1.0 + 2.0 * (t - x).abs())) as f64).sum::<f64>()
            / y.len() as f64;
    let got = (le.total - lp.total) as f64 / 10.0 + lp.paired as f64;
    assert!(
        weighted > 1.2 * lp.paired as f64,
        "the pairs change: the emphasis must weigh in ({weighted} vs {})",
        lp.paired
    );
    assert!((got - weighted).abs() < 1e-4 * weighted.max(1.0), "weighted term {got}, brute force {weighted}");
}

#[test]
fn checkpoints_resume_where_they_stopped() {
    let set = synthetic_set(32, 2);
    let mut config = tiny_config();
    config.critic_steps = 1;
    let dir = tempfile::tempdir().expect("temp dir");
    let ck = dir.path().join("run.ckpt");
    let device = Device::flex();
    let mut a = Trainer::new(config.clone(), &device).expect("config");
    for _ in 0..2 {
        a.step(&set);
    }
    a.save_checkpoint(&ck).expect("checkpoint");
    let mut b = Trainer::resume(&ck, config.clone(), &device).expect("resume");
    assert_eq!(b.step, 2);
    let la = a.step(&set);
    let lb = b.step(&set);
    assert_eq!(la.step, lb.step);
    let diff = (la.total - lb.total).abs();
    assert!(diff < 1e-4 * (1.0 + la.total.abs()), "resumed run diverged: {} vs {}", la.total, lb.total);

    // Other network shapes are refused with a message.
    let mut other = config;
    other.net.gen_width = 4;
    let err = Trainer::resume(&ck, other, &device).err().expect("shape mismatch refused");
    assert!(err.to_string().contains("network shapes"), "{err}");
}

fn file_for_test() -> DefganFile {
    let device = Device::flex();
    let mut config = tiny_config();
    config.net.channels = 3;
    let g = seeded(&device, 21, || Generator::new(&config.net, &device));
    let info = TrainingInfo { pairs: 0, source: "test".into(), seconds: 0.0, expression: None, licence: None };
    DefganFile::new(g, config, info, None)
}

#[test]
fn save_load_predict_is_bit_identical() {
    let file = file_for_test();
    let bytes = file.to_bytes().expect("serialise");
    let back = DefganFile::from_bytes(&bytes, Path::new("m.safetensors"), &Device::flex()).expect("parse");
    assert_eq!(back.meta, file.meta);
    // Every weight comes back bit for bit (the header's key order may vary).
    assert_eq!(named_tensors(&back.generator), named_tensors(&file.generator));
    let mut rng = Rng::new(4);
    let input = Image::from_planar(32, 32, 3, random(&mut rng, 3 * 32 * 32, 0.0, 1.0)).expect("image");
    let mut au = AuVector::zero();
    au.0[8] = 1.0;
    let a = file.edit(&input.view(), &au).expect("edit");
    let b = back.edit(&input.view(), &au).expect("edit");
    assert_eq!(a, b, "loaded model predicts differently");
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("m.safetensors");
    file.save(&p).expect("save");
    let c = DefganFile::load(&p, &Device::flex()).expect("load").edit(&input.view(), &au).expect("edit");
    assert_eq!(a, c);
}

#[test]
fn other_kinds_and_broken_files_give_clear_errors() {
    let mut file = file_for_test();
    let good = file.to_bytes().expect("serialise");
    file.meta.kind = "masked".into();
    let wrong = file.to_bytes().expect("serialise");
    let err = DefganFile::from_bytes(&wrong, Path::new("mr.safetensors"), &Device::flex()).expect_err("kind");
    let msg = err.to_string();
    assert!(matches!(err, Error::Core(_)), "{msg}");
    assert!(msg.contains("defgan") && msg.contains("masked"), "{msg}");
    for cut in [10, good.len() / 2, good.len() - 1] {
        let err = DefganFile::from_bytes(&good[..cut], Path::new("cut.safetensors"), &Device::flex());
        assert!(err.is_err(), "a file cut at {cut} bytes loaded");
    }
    // Wrong input sizes and channel counts are refused, not panicked on.
    let img = Image::<f32>::new(16, 16, 3);
    let e = file_for_test().edit(&img.view(), &AuVector::zero()).expect_err("size");
    assert!(e.to_string().contains("32×32"), "{e}");
    let grey = Image::<f32>::new(32, 32, 1);
    let e = file_for_test().edit(&grey.view(), &AuVector::zero()).expect_err("channels");
    assert!(e.to_string().contains("colour"), "{e}");
}

#[test]
fn training_data_from_pairs_dedupes_photos() {
    use mien_core::dataset::{Pair, PairedDataset};
    use mien_core::normalize::{Affine, Normalize};
    let img = |v: u8| Image::from_planar(16, 16, 1, vec![v; 256]).expect("image");
    let pair = |name: &str, a: u8, b: u8| Pair {
        name: name.into(),
        input: img(a),
        target: img(b),
        input_norm: Affine { offset: 0.0, scale: 1.0 / 255.0 },
        target_norm: Affine { offset: 0.0, scale: 1.0 / 255.0 },
    };
    let ds = |pairs| PairedDataset {
        width: 16,
        height: 16,
        channels: 1,
        normalize: Normalize::Unit,
        pairs,
        source: "t".into(),
    };
    let happy = ds(vec![pair("KA.NE1__KA.HA1", 10, 200), pair("KA.NE1__KA.HA2", 10, 210)]);
    let sad = ds(vec![pair("KA.NE1__KA.SA1", 10, 50)]);
    let (ha, sa) = (AuVector::from_expression("happy").expect("au"), AuVector::from_expression("sad").expect("au"));
    let set = TrainSet::from_groups(&[(ha, &happy), (sa, &sad)]).expect("set");
    assert_eq!(set.len(), 4, "one neutral and three expression photos");
    assert_eq!(set.pairs, vec![(0, 1), (0, 2), (0, 3)]);
    assert_eq!(set.labels[1], ha);
    assert!(set.labels[0].is_zero());
    assert!((set.pixels[256] - (200.0 / 127.5 - 1.0)).abs() < 1e-6);
    // Paired batches take the pair's target label; each row is one of the two directions.
    let b = set.batch(&mut Rng::new(1), 8, true, false, &Device::flex());
    let (ax, ay) = (values(b.au_x), values(b.au_y));
    for i in 0..8 {
        let (x, y) = (&ax[i * AU_COUNT..(i + 1) * AU_COUNT], &ay[i * AU_COUNT..(i + 1) * AU_COUNT]);
        assert!(x.iter().all(|v| *v == 0.0) != y.iter().all(|v| *v == 0.0), "row {i} is not neutral↔expression");
    }
}

#[test]
fn augmentation_moves_both_photos_of_a_pair_alike() {
    use crate::data::Augment;
    let img: Vec<f32> = (0..16).map(|v| v as f32 / 16.0).collect();
    let at = |o: &[f32], y: usize, x: usize| o[y * 4 + x];
    let plain = Augment { flip: false, dx: 0, dy: 0, gain: 1.0, offset: 0.0 };
    let mut out = Vec::new();
    plain.apply(&img, 1, 4, &mut out);
    assert_eq!(out, img);
    out.clear();
    Augment { dx: 1, dy: -1, ..plain }.apply(&img, 1, 4, &mut out);
    for (y, x) in [(0, 0), (0, 2), (2, 3), (3, 1)] {
        let (sy, sx) = ((y + 1).min(3), x.max(1) - 1);
        assert_eq!(at(&out, y, x), at(&img, sy, sx), "shift at ({y}, {x})");
    }
    out.clear();
    Augment { flip: true, gain: 2.0, offset: -0.5, ..plain }.apply(&img, 1, 4, &mut out);
    for (y, x) in [(0, 0), (1, 2), (3, 3)] {
        let want = (2.0 * at(&img, y, 3 - x) - 0.5).clamp(-1.0, 1.0);
        assert_eq!(at(&out, y, x), want, "flip and gain at ({y}, {x})");
    }

    // Pairs whose two photos are the same stay the same after augmenting,
    // while the batch differs from the untouched photos.
    let mut set = synthetic_set(16, 3);
    let pairs = set.pairs.clone();
    let d = 16 * 16;
    for (s, t) in pairs {
        let src = set.pixels[s * d..(s + 1) * d].to_vec();
        set.pixels[t * d..(t + 1) * d].copy_from_slice(&src);
    }
    let device = Device::flex();
    let plain_batch = set.batch(&mut Rng::new(9), 8, true, false, &device);
    let b = set.batch(&mut Rng::new(9), 8, true, true, &device);
    assert_eq!(values(b.x.clone()), values(b.target), "a pair's photos were changed differently");
    assert_ne!(values(b.x), values(plain_batch.x), "augmentation changed nothing");
}
