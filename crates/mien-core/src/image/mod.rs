//! Planar images and their borrowed views.
//!
//! Everything in mien works on planar (channel-major) buffers: the local
//! models treat each channel as an independent grey image, so keeping a
//! channel contiguous lets the hot loops run over plain slices. `Image` owns
//! its pixels, `ImageRef` and `ImageMut` borrow them; `T` is `u8` for decoded
//! photos and `f32` for normalised intensities.

pub mod chroma;
mod io;
mod palette_tiff;
mod resize;

pub use io::{decode, encode_png, load, save_png, write_atomic, DecodeLimits};
pub use resize::{resize_bilinear, resize_bilinear_into};

/// An owned planar image: `channels` planes of `height × width` pixels, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Image<T> {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<T>,
}

/// A borrowed, read-only planar image.
#[derive(Clone, Copy, Debug)]
pub struct ImageRef<'a, T> {
    width: usize,
    height: usize,
    channels: usize,
    data: &'a [T],
}

/// A borrowed, writable planar image.
#[derive(Debug)]
pub struct ImageMut<'a, T> {
    width: usize,
    height: usize,
    channels: usize,
    data: &'a mut [T],
}

impl<T: Copy + Default> Image<T> {
    /// A zero-filled image.
    pub fn new(width: usize, height: usize, channels: usize) -> Self {
        Self { width, height, channels, data: vec![T::default(); width * height * channels] }
    }
}

impl<T> Image<T> {
    /// Wraps planar data; `None` when the length is not `width × height × channels`.
    pub fn from_planar(width: usize, height: usize, channels: usize, data: Vec<T>) -> Option<Self> {
        (data.len() == width * height * channels).then_some(Self { width, height, channels, data })
    }
    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// Number of planes (1 grey, 3 RGB).
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// All planes, channel after channel.
    pub fn data(&self) -> &[T] {
        &self.data
    }
    /// All planes, writable.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
    /// Gives the buffer back.
    pub fn into_data(self) -> Vec<T> {
        self.data
    }
    /// One channel's plane.
    pub fn plane(&self, c: usize) -> &[T] {
        let n = self.width * self.height;
        &self.data[c * n..(c + 1) * n]
    }
    /// One channel's plane, writable.
    pub fn plane_mut(&mut self, c: usize) -> &mut [T] {
        let n = self.width * self.height;
        &mut self.data[c * n..(c + 1) * n]
    }
    /// A read-only view.
    pub fn view(&self) -> ImageRef<'_, T> {
        ImageRef { width: self.width, height: self.height, channels: self.channels, data: &self.data }
    }
    /// A writable view.
    pub fn view_mut(&mut self) -> ImageMut<'_, T> {
        ImageMut { width: self.width, height: self.height, channels: self.channels, data: &mut self.data }
    }
}

impl<'a, T> ImageRef<'a, T> {
    /// Wraps a planar slice; `None` when the length does not match.
    pub fn new(width: usize, height: usize, channels: usize, data: &'a [T]) -> Option<Self> {
        (data.len() == width * height * channels).then_some(Self { width, height, channels, data })
    }
    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// Number of planes.
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// All planes.
    pub fn data(&self) -> &'a [T] {
        self.data
    }
    /// One channel's plane.
    pub fn plane(&self, c: usize) -> &'a [T] {
        let n = self.width * self.height;
        &self.data[c * n..(c + 1) * n]
    }
    /// Copies into an owned image.
    pub fn to_owned(&self) -> Image<T>
    where
        T: Clone,
    {
        Image { width: self.width, height: self.height, channels: self.channels, data: self.data.to_vec() }
    }
}

impl<'a, T> ImageMut<'a, T> {
    /// Wraps a planar slice; `None` when the length does not match.
    pub fn new(width: usize, height: usize, channels: usize, data: &'a mut [T]) -> Option<Self> {
        (data.len() == width * height * channels).then_some(Self { width, height, channels, data })
    }
    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// Number of planes.
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// All planes, writable.
    pub fn data_mut(&mut self) -> &mut [T] {
        self.data
    }
    /// One channel's plane, writable.
    pub fn plane_mut(&mut self, c: usize) -> &mut [T] {
        let n = self.width * self.height;
        &mut self.data[c * n..(c + 1) * n]
    }
}

impl Image<u8> {
    /// The BT.601 luma of an RGB image (`0.299 R + 0.587 G + 0.114 B`); grey images are returned as they are.
    pub fn to_grey(&self) -> Image<u8> {
        if self.channels == 1 {
            return self.clone();
        }
        let n = self.width * self.height;
        let (r, g, b) = (self.plane(0), self.plane(1), self.plane(2));
        let data = (0..n).map(|i| grey_level(r[i], g[i], b[i])).collect();
        Image { width: self.width, height: self.height, channels: 1, data }
    }
    /// Replicates a grey plane into three; RGB images are returned as they are.
    pub fn to_rgb(&self) -> Image<u8> {
        if self.channels == 3 {
            return self.clone();
        }
        let mut data = Vec::with_capacity(self.data.len() * 3);
        for _ in 0..3 {
            data.extend_from_slice(self.plane(0));
        }
        Image { width: self.width, height: self.height, channels: 3, data }
    }
    /// Converts every pixel to `f32` without scaling (0..255).
    pub fn to_f32(&self) -> Image<f32> {
        Image {
            width: self.width,
            height: self.height,
            channels: self.channels,
            data: self.data.iter().map(|&v| v as f32).collect(),
        }
    }
}

impl Image<f32> {
    /// Rounds and clamps to 8 bits.
    pub fn to_u8(&self) -> Image<u8> {
        Image {
            width: self.width,
            height: self.height,
            channels: self.channels,
            data: self.data.iter().map(|&v| v.round().clamp(0.0, 255.0) as u8).collect(),
        }
    }
}

/// Rec. 601 luma of one pixel, rounded half away from zero: the value of
/// `(0.299 r + 0.587 g + 0.114 b).round()` in `f32`, computed without the
/// `round` library call (the sum is never negative, and its fractional part
/// is exact).
#[inline]
fn grey_level(r: u8, g: u8, b: u8) -> u8 {
    let v = 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
    let whole = v as u32;
    (whole + u32::from(v - whole as f32 >= 0.5)).min(255) as u8
}

#[cfg(test)]
mod grey_tests {
    #[test]
    fn grey_level_rounds_as_round_does() {
        for r in 0..=255u8 {
            for g in 0..=255u8 {
                for b in 0..=255u8 {
                    let v = 0.299 * r as f32 + 0.587 * g as f32 + 0.114 * b as f32;
                    assert_eq!(super::grey_level(r, g, b), v.round().clamp(0.0, 255.0) as u8, "({r}, {g}, {b})");
                }
            }
        }
    }
}
