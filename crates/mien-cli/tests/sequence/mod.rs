//! `mien edit` on image sequences: a folder of frames and an animated GIF are
//! edited frame by frame with one track; bad sequences (no frame, frames of
//! different sizes, more than 2000 frames) are refused and write nothing.

use std::path::PathBuf;

use image::codecs::gif::GifEncoder;
use image::{Delay, Frame, Rgba, RgbaImage};
use mien::core::image::{self as mimage, Image};

use crate::util::{run_expect, Fixture};

fn astronaut(size: usize) -> Image<u8> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../mien/samples/astronaut.png"));
    let img = mimage::load(&p, Default::default()).unwrap();
    let f = mimage::resize_bilinear(&img.view(), size, size);
    Image::from_planar(size, size, 3, f.data().iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect()).unwrap()
}

fn rgba(img: &Image<u8>) -> RgbaImage {
    let (w, n, d) = (img.width(), img.width() * img.height(), img.data());
    RgbaImage::from_fn(w as u32, img.height() as u32, |x, y| {
        let i = y as usize * w + x as usize;
        Rgba([d[i], d[n + i], d[2 * n + i], 255])
    })
}

fn gif(frames: impl IntoIterator<Item = RgbaImage>) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut enc = GifEncoder::new_with_speed(&mut bytes, 30);
        for f in frames {
            enc.encode_frame(Frame::from_parts(f, 0, 0, Delay::from_numer_denom_ms(40, 1))).unwrap();
        }
    }
    bytes
}

#[test]
fn gif_and_folder_sequences_are_edited_frame_by_frame() {
    let fx = Fixture::empty();
    let face = astronaut(256);
    fx.write("in.gif", &gif((0..4).map(|_| rgba(&face))));
    let msg = run_expect(&["edit", "in.gif", "-o", "out.gif"], fx.dir.path(), 0);
    assert!(msg.contains("edited 4 frame(s), 4 face(s) in all, 1 track(s)"), "{msg}");
    let decoded =
        image::codecs::gif::GifDecoder::new(std::io::Cursor::new(std::fs::read(fx.path("out.gif")).unwrap())).unwrap();
    let frames = image::AnimationDecoder::into_frames(decoded).collect_frames().unwrap();
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[0].buffer().dimensions(), (256, 256));

    std::fs::create_dir_all(fx.path("frames")).unwrap();
    for i in 0..3 {
        fx.save(&format!("frames/f{i}.png"), &face);
    }
    let msg = run_expect(&["edit", "frames", "-e", "surprise", "-o", "edited"], fx.dir.path(), 0);
    assert!(msg.contains("edited 3 frame(s), 3 face(s) in all, 1 track(s)"), "{msg}");
    assert_eq!(fx.files("edited"), ["f0.png", "f1.png", "f2.png"]);
    let (a, b) = (mimage::load(&fx.path("edited/f0.png"), Default::default()).unwrap(), face);
    let changed = a.data().iter().zip(b.data()).filter(|(x, y)| x != y).count();
    assert!(changed > a.data().len() / 100, "the face was edited: {changed} values changed");
}

#[test]
fn bad_sequences_are_refused_and_write_nothing() {
    let fx = Fixture::empty();
    // A GIF with a screen descriptor and no image: header, 1×1 screen, trailer.
    fx.write("empty.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x3b");
    let msg = run_expect(&["edit", "empty.gif", "-o", "out.gif"], fx.dir.path(), 2);
    assert!(msg.contains("a GIF with no frame"), "{msg}");

    std::fs::create_dir_all(fx.path("mixed")).unwrap();
    fx.save("mixed/a.png", &astronaut(64));
    fx.save("mixed/b.png", &astronaut(48));
    let msg = run_expect(&["edit", "mixed", "-o", "out"], fx.dir.path(), 2);
    assert!(msg.contains("b.png is 48×48, the first frame 64×64"), "{msg}");

    let tiny = RgbaImage::from_pixel(2, 2, Rgba([9, 9, 9, 255]));
    fx.write("long.gif", &gif((0..2001).map(|_| tiny.clone())));
    let msg = run_expect(&["edit", "long.gif", "-o", "out.gif"], fx.dir.path(), 2);
    assert!(msg.contains("more than 2000 frames"), "{msg}");

    std::fs::create_dir_all(fx.path("nothing")).unwrap();
    let msg = run_expect(&["edit", "nothing", "-o", "out"], fx.dir.path(), 2);
    assert!(msg.contains("no frames"), "{msg}");
    assert!(!fx.path("out.gif").exists() && !fx.path("out").exists(), "nothing is written");
    let leftovers: Vec<String> = fx.files(".").into_iter().filter(|f| f.ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
