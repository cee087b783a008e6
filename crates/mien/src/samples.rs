//! The bundled sample photos (public domain or CC0; `samples/README.md`):
//! what `mien demo` edits and `mien serve` offers.

/// A bundled photo.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Its name (file stem).
    pub name: &'static str,
    /// The PNG file's bytes.
    pub png: &'static [u8],
    /// Whether it shows human faces to detect (false: the whole image is the face).
    pub has_faces: bool,
}

/// The bundled photos.
pub const SAMPLES: [Sample; 3] = [
    Sample { name: "astronaut", png: include_bytes!("../samples/astronaut.png"), has_faces: true },
    Sample { name: "solvay_1927", png: include_bytes!("../samples/solvay_1927.png"), has_faces: true },
    Sample { name: "chelsea", png: include_bytes!("../samples/chelsea.png"), has_faces: false },
];

/// A sample by name.
pub fn sample(name: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|s| s.name == name)
}
