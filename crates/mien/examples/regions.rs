//! Draws the picture of `docs/img/au-regions.jpg` (as PNG; the docs keep a JPEG): for each feature slider (columns, in
//! `mien::deform::FEATURES` order: smile, brows up, brows down, eyes wide,
//! mouth open, lip corners down, nose wrinkle, wink), its region on the
//! bundled astronaut photo (top row, tinted), the edit at the slider's lowest
//! value (middle row: −1, or the photo where the slider starts at 0) and at
//! +1 (bottom row). Outside the tinted region the photo is unchanged.
//!
//! ```sh
//! cargo run --release -p mien --example regions -- [OUT.png] [PHOTO]
//! ```

use mien::core::image::{self, Image};
use mien::deform::local::{region_masks, wink_mask, LocalChange};
use mien::deform::{Features, FEATURES};
use mien::face::align::align_face;
use mien::{Editor, FaceFinder, Timings};

const SIDE: usize = 224;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "au-regions.png".into());
    let photo = match args.next() {
        Some(p) => image::load(p.as_ref(), Default::default())?,
        None => {
            image::decode(mien::samples::sample("astronaut").unwrap().png, "astronaut".as_ref(), Default::default())?
        }
    }
    .to_rgb();
    let finder = FaceFinder::new()?;
    let base = Editor::builtin("deform", "happy")?;
    let face = finder.find(&photo, &mien::faces::detect_options(None))?.0.into_iter().next().ok_or("no face")?;
    // A larger crop of the same alignment, for the picture.
    let template = base.template().resized(SIDE);
    let crop_of = |img: &Image<u8>| align_face(img, &face.landmarks, &template).map(|a| a.crop);
    let aligned = align_face(&photo, &face.landmarks, &template)?;
    let points = face.landmarks.map(|p| aligned.transform.apply(p));
    let masks = region_masks(&points, SIDE, SIDE);

    let mut grid = Image::<u8>::new(FEATURES.len() * SIDE, 3 * SIDE, 3);
    for (col, f) in FEATURES.iter().enumerate() {
        let mut one = Features::zero();
        one.set(f.name, 1.0)?;
        let change = LocalChange::from_features(&one);
        let mut region = vec![0.0f32; SIDE * SIDE];
        for k in change.moved() {
            region.iter_mut().zip(&masks[k]).for_each(|(r, &m)| *r = r.max(m));
        }
        if change.wink != 0.0 {
            let wink = wink_mask(&points, SIDE, SIDE, change.wink);
            region.iter_mut().zip(&wink).for_each(|(r, &m)| *r = r.max(m));
        }
        // Tint: towards orange by 45 % of the mask.
        let mut tinted = aligned.crop.clone();
        for (c, tint) in [(0, 245.0f32), (1, 120.0), (2, 20.0)] {
            for (v, &m) in tinted.plane_mut(c).iter_mut().zip(&region) {
                *v = (*v as f32 + 0.45 * m * (tint - *v as f32)).round() as u8;
            }
        }
        let mut low = Features::zero();
        low.set(f.name, f.min)?;
        let edit = |s: Features| -> Result<Image<u8>, Box<dyn std::error::Error>> {
            if s.is_zero() {
                return Ok(aligned.crop.clone());
            }
            let edited = base.clone().with_features(s)?.edit_faces(
                &photo,
                std::slice::from_ref(&face),
                &mut Timings::default(),
            )?;
            Ok(crop_of(&edited.image)?)
        };
        for (row, tile) in [tinted, edit(low)?, edit(one)?].iter().enumerate() {
            for c in 0..3 {
                let (dst, src) = (grid.plane_mut(c), tile.plane(c));
                for y in 0..SIDE {
                    let at = (row * SIDE + y) * FEATURES.len() * SIDE + col * SIDE;
                    dst[at..at + SIDE].copy_from_slice(&src[y * SIDE..(y + 1) * SIDE]);
                }
            }
        }
        println!("{}: {}", f.name, f.help);
    }
    image::save_png(&grid, out.as_ref())?;
    println!("wrote {out}");
    Ok(())
}
