//! Small image helpers every front end needs: resizing only when the size
//! differs, and laying images out in strips and grids.

use mien_core::image::{self, Image};

/// `img` at `w`×`h`: itself when it already is, else resized (bilinear).
pub fn fit_f32(img: Image<f32>, w: usize, h: usize) -> Image<f32> {
    if img.width() == w && img.height() == h {
        img
    } else {
        image::resize_bilinear(&img.view(), w, h)
    }
}

/// An 8-bit image as floats at `w`×`h` (resized only when the size differs).
pub fn to_f32_at(img: &Image<u8>, w: usize, h: usize) -> Image<f32> {
    if img.width() == w && img.height() == h {
        img.to_f32()
    } else {
        image::resize_bilinear(&img.view(), w, h)
    }
}

/// An 8-bit image at `w`×`h` (a copy when the size already matches).
pub fn fit_u8(img: &Image<u8>, w: usize, h: usize) -> Image<u8> {
    if img.width() == w && img.height() == h {
        img.clone()
    } else {
        image::resize_bilinear(&img.view(), w, h).to_u8()
    }
}

/// The input resized and channel-matched to the output, for side-by-side strips.
pub fn fit_to(input: &Image<u8>, like: &Image<u8>) -> Image<u8> {
    let img = if like.channels() == 3 { input.to_rgb() } else { input.clone() };
    fit_u8(&img, like.width(), like.height())
}

/// Places images left to right, top-aligned (grey ones are made RGB if any is colour).
pub fn side_by_side(images: &[&Image<u8>]) -> Image<u8> {
    let h = images.iter().map(|i| i.height()).max().unwrap_or(0);
    let w: usize = images.iter().map(|i| i.width()).sum();
    let c = images.iter().map(|i| i.channels()).max().unwrap_or(1);
    let mut out = Image::new(w, h, c);
    let mut x0 = 0;
    for img in images {
        let img = if c == 3 { img.to_rgb() } else { (*img).clone() };
        for ch in 0..c {
            let src = img.plane(ch);
            let dst = out.plane_mut(ch);
            for y in 0..img.height() {
                dst[y * w + x0..y * w + x0 + img.width()].copy_from_slice(&src[y * img.width()..(y + 1) * img.width()]);
            }
        }
        x0 += img.width();
    }
    out
}

/// Places images top to bottom, left-aligned (grey ones are made RGB if any is colour).
pub fn stack(lines: &[&Image<u8>]) -> Image<u8> {
    let w = lines.iter().map(|l| l.width()).max().unwrap_or(0);
    let c = lines.iter().map(|l| l.channels()).max().unwrap_or(1);
    let h: usize = lines.iter().map(|l| l.height()).sum();
    let mut out = Image::new(w, h, c);
    let mut y0 = 0;
    for l in lines {
        let l = if c == 3 { l.to_rgb() } else { (*l).clone() };
        for ch in 0..c {
            for y in 0..l.height() {
                let src = &l.plane(ch)[y * l.width()..(y + 1) * l.width()];
                out.plane_mut(ch)[(y0 + y) * w..(y0 + y) * w + l.width()].copy_from_slice(src);
            }
        }
        y0 += l.height();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(w: usize, h: usize, c: usize, v: u8) -> Image<u8> {
        Image::from_planar(w, h, c, vec![v; w * h * c]).unwrap()
    }

    #[test]
    fn strips_and_stacks_place_each_image_where_it_belongs() {
        let (a, b) = (filled(2, 3, 1, 10), filled(4, 2, 3, 200));
        let s = side_by_side(&[&a, &b]);
        assert_eq!((s.width(), s.height(), s.channels()), (6, 3, 3));
        assert_eq!(s.plane(1)[0], 10);
        assert_eq!(s.plane(1)[2], 200);
        assert_eq!(s.plane(1)[2 * 6 + 2], 0, "below the shorter image stays black");
        let t = stack(&[&a, &b]);
        assert_eq!((t.width(), t.height()), (4, 5));
        assert_eq!(t.plane(0)[3 * 4 + 3], 200);
        assert_eq!(t.plane(0)[3], 0);
    }

    #[test]
    fn fit_resizes_only_when_needed() {
        let a = filled(8, 8, 1, 77);
        assert_eq!(fit_u8(&a, 8, 8).data(), a.data());
        let r = fit_u8(&a, 4, 4);
        assert_eq!((r.width(), r.height()), (4, 4));
        assert!(r.data().iter().all(|&v| v == 77));
    }
}
