//! The photo editor: per face, detect, place 68 landmarks, warp the face onto
//! the model's alignment template, run the model on the crop, blend input and
//! output by the intensity in the aligned frame, and paste the change back
//! into the full-resolution photo under a feathered face-shaped mask. Pixels
//! outside the mask are the photo's, bit for bit; intensity 0 returns the photo.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mien_core::image::{chroma, Image};
use mien_core::normalize::OutputMode;
use mien_core::pipeline::{self, ApplyOptions};
use mien_deform::local::{LocalChange, Points};
use mien_deform::{AuVector, Features};
use mien_face::align::{align_face, paste_back, Template};
use mien_face::{DetectOptions, Detector, ExpressionNet, FaceBox, EXPRESSION_CLASSES};

use crate::compose::{fit_f32, to_f32_at};
use crate::faces::{detect_options, FaceChoice, FaceFinder, Found};
use crate::fullres::paste_motion;
use crate::registry::{builtin, Model};
use crate::{Error, Result};

/// Where an edit's time went, summed over calls.
#[derive(Clone, Copy, Default, Debug)]
pub struct Timings {
    /// Reading and decoding photos (front ends fill this in).
    pub decode: Duration,
    /// Face detection.
    pub detect: Duration,
    /// Landmark placement.
    pub landmarks: Duration,
    /// Warping faces onto the template.
    pub align: Duration,
    /// Running the model.
    pub synthesise: Duration,
    /// Pasting the change back.
    pub paste: Duration,
    /// Encoding and writing (front ends fill this in).
    pub encode: Duration,
}

/// One edited photo and what was found in it.
#[derive(Clone, Debug)]
pub struct Edited {
    /// The edited photo, at the input's size.
    pub image: Image<u8>,
    /// The faces edited.
    pub faces: Vec<Found>,
    /// Per face: the aligned crop before and after the edit.
    pub crops: Vec<(Image<u8>, Image<u8>)>,
    /// Motion-only crops of an AU-conditioned model, one per face.
    pub deformed: Vec<Image<u8>>,
    /// Faces smaller than the minimum size that were not edited.
    pub skipped_small: usize,
}

/// A model with its target and settings, ready to edit photos. Cheap to
/// clone: the model is shared.
#[derive(Clone, Debug)]
pub struct Editor {
    model: Arc<Model>,
    /// An AU model's target at intensity 1 (the expression's prototype, or given AUs).
    au: Option<AuVector>,
    /// Local edit: Action Units given as a list act only in their regions
    /// (the deformation model's per-AU regions); expressions move the whole face.
    local: bool,
    /// Feature sliders, a change relative to the face (deformation model only).
    features: Option<Features>,
    template: Template,
    intensity: f32,
    faces: FaceChoice,
    min_face: Option<usize>,
    detector: Detector,
    colour: Colour,
    motion: Motion,
    source: Source,
    /// The expression classifier, for [`Source::Auto`] (AU models only).
    classifier: Option<Arc<ExpressionNet>>,
}

/// What a face shows before the edit, for AU models: the edit takes the
/// source expression's motion and texture back and adds the target's, so a
/// smiling face edited to `sad` stops smiling. Per-expression models
/// (masked, pixel, …) map neutral faces only and ignore it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Source {
    /// Estimated per face by the face-api expression classifier (see
    /// [`Editor::estimate_source`]).
    #[default]
    Auto,
    /// The face is neutral: the edit adds the target only.
    Neutral,
    /// The face shows these Action Units (an expression's prototype, or any).
    Au(AuVector),
}

impl std::str::FromStr for Source {
    type Err = Error;

    /// `auto`, `neutral` or one of the six expressions.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Source::Auto),
            "neutral" => Ok(Source::Neutral),
            e => {
                builtin::check_expression(e)?;
                Ok(Source::Au(AuVector::from_expression(e)?))
            }
        }
    }
}

/// Below this probability the classifier's vote for an expression is ignored
/// (and above it rescaled to 0..1), so a neutral face that the classifier
/// finds a little sad is not "un-saddened".
const SOURCE_THRESHOLD: f32 = 0.25;

/// How a deformation model's motion reaches the photo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Motion {
    /// The flow is carried through the alignment transform and moves the
    /// photo's own pixels (full resolution); the texture change is pasted on top.
    #[default]
    FullResolution,
    /// The edited crop's difference is pasted back, as for the per-expression models.
    Crop,
}

/// The largest intensity: 1 is the model's full expression, above it exaggerates.
pub const MAX_INTENSITY: f32 = 1.5;

/// How an edit treats the colour of a colour photo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Colour {
    /// The model changes luminance only; the photo's chroma (Cb, Cr) is kept,
    /// moved only by an AU model's motion step. No grey or tinted patches
    /// from a model trained on grey (or differently lit) faces.
    #[default]
    KeepChroma,
    /// The model's output as it is, channel by channel.
    Model,
}

impl Editor {
    /// An editor of `model` towards `expression` (one of the six; for a
    /// per-expression model, the expression it was trained for), at full
    /// intensity, on every face.
    ///
    /// AU models also take `neutral`: the target is no Action Units at all,
    /// so with the source estimated ([`Source::Auto`]) a laughing face is
    /// made neutral.
    pub fn new(model: Arc<Model>, expression: &str) -> Result<Self> {
        let au = if model.takes_au() {
            if expression == "neutral" {
                Some(AuVector::zero())
            } else {
                builtin::check_expression(expression)?;
                Some(AuVector::from_expression(expression)?)
            }
        } else {
            // A per-expression model makes the expression it was trained for, whatever is asked.
            if let Some(trained) = model.meta().training.expression.as_deref() {
                if !trained.eq_ignore_ascii_case(expression) {
                    return Err(Error::ExpressionMismatch { trained: trained.into(), asked: expression.into() });
                }
            }
            None
        };
        let meta = model.meta();
        let template = match &meta.alignment {
            Some(j) => Template::from_json(j).map_err(|e| Error::from(e).context("the model's alignment template"))?,
            None => Template::canonical(meta.width),
        };
        Self {
            model,
            au,
            local: false,
            features: None,
            template,
            intensity: 1.0,
            faces: FaceChoice::All,
            min_face: None,
            detector: Detector::default(),
            colour: Colour::KeepChroma,
            motion: Motion::FullResolution,
            source: Source::default(),
            classifier: None,
        }
        .with_classifier()
    }

    /// Loads the expression classifier when [`Source::Auto`] needs it.
    fn with_classifier(mut self) -> Result<Self> {
        if self.source == Source::Auto && self.model.takes_au() && self.classifier.is_none() {
            self.classifier = Some(shared_classifier()?);
        }
        Ok(self)
    }

    /// What the faces show before the edit (default [`Source::Auto`]); AU models only use it.
    pub fn source(mut self, source: Source) -> Result<Self> {
        self.source = source;
        self.with_classifier()
    }

    /// The Action Units a face shows before the edit: zero for
    /// [`Source::Neutral`] and per-expression models, the given vector for
    /// [`Source::Au`]; for [`Source::Auto`], the prototypes of the six
    /// expressions weighted by the classifier's probabilities (each above
    /// 0.25, rescaled to 0..1; neutral adds nothing), on the face's box in
    /// `photo`, or on the whole aligned crop when no photo is given.
    pub fn estimate_source(&self, crop: &Image<u8>, photo: Option<(&Image<u8>, &FaceBox)>) -> Result<AuVector> {
        if !self.model.takes_au() || self.features.is_some() {
            return Ok(AuVector::zero());
        }
        let net = match (self.source, &self.classifier) {
            (Source::Neutral, _) => return Ok(AuVector::zero()),
            (Source::Au(a), _) => return Ok(a),
            (Source::Auto, Some(net)) => net,
            (Source::Auto, None) => return Ok(AuVector::zero()),
        };
        let p = match photo {
            Some((img, face)) => net.classify(img, face)?,
            None => net.classify_crop(crop)?,
        };
        let mut au = AuVector::zero();
        for (class, &prob) in EXPRESSION_CLASSES.iter().zip(&p) {
            let name = match *class {
                "neutral" => continue,
                "fearful" => "fear",
                "disgusted" => "disgust",
                "surprised" => "surprise",
                other => other,
            };
            let w = ((prob - SOURCE_THRESHOLD) / (1.0 - SOURCE_THRESHOLD)).max(0.0);
            if w > 0.0 {
                au = au.plus(&AuVector::from_expression(name)?.scaled(w));
            }
        }
        Ok(au)
    }

    /// An editor of a built-in model (`masked`, `pixel`, `deform`) or a model file.
    pub fn builtin(model: &str, expression: &str) -> Result<Self> {
        Self::new(Arc::new(builtin::resolve(model, expression)?), expression)
    }

    /// How far to go: 0 returns the photo, 1 the model's full output, up
    /// to [`MAX_INTENSITY`] to exaggerate it (AU models: the AU target is scaled).
    pub fn intensity(mut self, intensity: f32) -> Result<Self> {
        if !(0.0..=MAX_INTENSITY).contains(&intensity) {
            return Err(Error::Intensity(intensity));
        }
        self.intensity = intensity;
        Ok(self)
    }

    /// Which faces to edit.
    pub fn faces(mut self, faces: FaceChoice) -> Self {
        self.faces = faces;
        self
    }

    /// The smallest face searched for, in pixels (default [`crate::faces::DEFAULT_MIN_FACE`]).
    pub fn min_face(mut self, min_face: Option<usize>) -> Self {
        self.min_face = min_face;
        self
    }

    /// Which face detector runs (default [`Detector::Auto`]).
    pub fn detector(mut self, detector: Detector) -> Self {
        self.detector = detector;
        self
    }

    /// The detection settings this editor uses.
    pub fn detect_options(&self) -> DetectOptions {
        DetectOptions { detector: self.detector, ..detect_options(self.min_face) }
    }

    /// How colour photos keep their colour (default [`Colour::KeepChroma`]).
    pub fn colour(mut self, colour: Colour) -> Self {
        self.colour = colour;
        self
    }

    /// How a deformation model's motion reaches the photo (default [`Motion::FullResolution`]).
    pub fn motion(mut self, motion: Motion) -> Self {
        self.motion = motion;
        self
    }

    /// Targets an Action Unit vector instead of the expression's prototype
    /// (AU models only). With the deformation model each AU acts only in its
    /// own region of the face (`mien_deform::local`): AU12 alone moves the
    /// lip corners and cheeks, nothing else.
    pub fn with_au(mut self, au: AuVector) -> Result<Self> {
        if !self.model.takes_au() {
            return Err(Error::NotAuModel);
        }
        self.au = Some(au);
        self.local = matches!(self.model.as_ref(), Model::Deform(_));
        Ok(self)
    }

    /// Moves feature sliders instead of making an expression: a change to
    /// the face as it is (no source is estimated), each slider acting only in
    /// its region (`mien_deform::FEATURES`: smile, brows up, …), scaled by the
    /// intensity. Deformation model only.
    pub fn with_features(mut self, features: Features) -> Result<Self> {
        if !matches!(self.model.as_ref(), Model::Deform(_)) {
            return Err(Error::NotLocalModel);
        }
        self.features = Some(features);
        Ok(self)
    }

    /// Where a local edit (sliders, or an AU list on the deformation model)
    /// can change this face: the box `[x0, y0, x1, y1]` in photo pixels around
    /// every pixel of the moved AUs' regions (for an AU list with
    /// [`Source::Auto`], also of every AU the estimated source may take
    /// back); `None` for whole-face edits. Outside it the photo is unchanged.
    pub fn region_box(&self, face: &Found) -> Result<Option<[f32; 4]>> {
        let Some(mut change) = self.local_change(&self.estimate_source_zero(), self.intensity.max(1.0)) else {
            return Ok(None);
        };
        if self.features.is_none() && self.source == Source::Auto {
            // The estimated source may take back any expression's AUs: count them all as moved.
            for (name, _) in mien_deform::PROTOTYPES {
                let proto = AuVector::from_expression(name)?;
                change.au.0.iter_mut().zip(proto.0).for_each(|(c, p)| *c += p);
            }
        }
        let transform = self.template.fit(&face.landmarks)?;
        let size = self.template.size;
        let points = face.landmarks.map(|p| transform.apply(p));
        let masks = mien_deform::local::region_masks(&points, size, size);
        let mut union = vec![false; size * size];
        for k in change.moved() {
            for (u, &m) in union.iter_mut().zip(&masks[k]) {
                *u |= m > 0.0;
            }
        }
        if change.wink != 0.0 {
            let wink = mien_deform::local::wink_mask(&points, size, size, change.wink);
            union.iter_mut().zip(&wink).for_each(|(u, &m)| *u |= m > 0.0);
        }
        let back = transform.inverse()?;
        let mut b = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
        for (i, _) in union.iter().enumerate().filter(|(_, &u)| u) {
            let (x, y) = ((i % size) as f32, (i / size) as f32);
            for corner in [(x, y), (x + 1.0, y), (x, y + 1.0), (x + 1.0, y + 1.0)] {
                let (px, py) = back.apply(corner);
                b = [b[0].min(px), b[1].min(py), b[2].max(px), b[3].max(py)];
            }
        }
        Ok(b[0].is_finite().then_some(b))
    }

    /// A neutral source (local edits from AU lists take the target alone).
    fn estimate_source_zero(&self) -> AuVector {
        match self.source {
            Source::Au(a) => a,
            _ => AuVector::zero(),
        }
    }

    /// The feature sliders, when the editor moves them.
    pub fn features(&self) -> Option<&Features> {
        self.features.as_ref()
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The alignment template faces are cropped with.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The intensity [`Self::edit`] uses.
    pub fn current_intensity(&self) -> f32 {
        self.intensity
    }

    /// The same editor at another intensity (unchecked: callers pass 0..=[`MAX_INTENSITY`]).
    pub fn at_intensity(&self, intensity: f32) -> Self {
        Self { intensity, ..self.clone() }
    }

    /// Edits one decoded photo: finds its faces, then edits them.
    pub fn edit(&self, finder: &FaceFinder, img: &Image<u8>, t: &mut Timings) -> Result<Edited> {
        let detected = self.detect(finder, img, t)?;
        self.edit_detected(finder, img, detected, t)
    }

    /// [`Editor::edit`] after detection: `detected` is what
    /// [`FaceFinder::detect`] returned for `img` with
    /// [`Editor::detect_options`] (boxes and the count of small faces), found
    /// for instance on another thread while the model loaded.
    pub fn edit_detected(
        &self,
        finder: &FaceFinder,
        img: &Image<u8>,
        detected: (Vec<FaceBox>, usize),
        t: &mut Timings,
    ) -> Result<Edited> {
        let (faces, skipped) = self.faces_from_boxes(finder, img, detected, t)?;
        let mut edited = self.edit_faces(img, &faces, t)?;
        edited.skipped_small = skipped;
        Ok(edited)
    }

    /// The faces to edit, with landmarks, and how many were too small;
    /// [`Error::NoFace`] when there are none.
    pub fn find_faces(&self, finder: &FaceFinder, img: &Image<u8>, t: &mut Timings) -> Result<(Vec<Found>, usize)> {
        let detected = self.detect(finder, img, t)?;
        self.faces_from_boxes(finder, img, detected, t)
    }

    /// Face boxes with the editor's detection settings, timed.
    fn detect(&self, finder: &FaceFinder, img: &Image<u8>, t: &mut Timings) -> Result<(Vec<FaceBox>, usize)> {
        let start = Instant::now();
        let detected = finder.detect(img, &self.detect_options())?;
        t.detect += start.elapsed();
        Ok(detected)
    }

    /// The chosen faces among detected boxes, with landmarks.
    fn faces_from_boxes(
        &self,
        finder: &FaceFinder,
        img: &Image<u8>,
        (boxes, skipped): (Vec<FaceBox>, usize),
        t: &mut Timings,
    ) -> Result<(Vec<Found>, usize)> {
        if boxes.is_empty() {
            return Err(Error::NoFace);
        }
        let found = boxes.len();
        let boxes = self.faces.pick(&boxes).ok_or(match self.faces {
            FaceChoice::Nth(asked) => Error::NoSuchFace { asked, found },
            FaceChoice::All => Error::NoFace,
        })?;
        let start = Instant::now();
        let faces = finder.landmarks(img, boxes)?;
        t.landmarks += start.elapsed();
        Ok((faces, skipped))
    }

    /// Edits the given faces of a photo at the editor's intensity.
    pub fn edit_faces(&self, img: &Image<u8>, faces: &[Found], t: &mut Timings) -> Result<Edited> {
        self.edit_faces_at(img, faces, self.intensity, t)
    }

    /// Edits the given faces of a photo at `intensity` (0..=[`MAX_INTENSITY`]): align each
    /// face, run the model, paste the change back. Servers call this with a
    /// per-request intensity.
    pub fn edit_faces_at(&self, img: &Image<u8>, faces: &[Found], intensity: f32, t: &mut Timings) -> Result<Edited> {
        let mut out = img.clone();
        let mut crops = Vec::new();
        let mut deformed_crops = Vec::new();
        for f in faces {
            let start = Instant::now();
            let aligned = align_face(img, &f.landmarks, &self.template)?;
            t.align += start.elapsed();
            let start = Instant::now();
            let from = self.estimate_source(&aligned.crop, Some((img, &f.face)))?;
            let points = f.landmarks.map(|p| aligned.transform.apply(p));
            let mut local_flow = None;
            let (edited, deformed) =
                self.edit_crop_with(&aligned.crop, &from, intensity, Some(&points), Some(&mut local_flow))?;
            let flow = match (self.motion, local_flow) {
                (Motion::FullResolution, Some(flow)) => Some(flow),
                (Motion::Crop, _) => None,
                (Motion::FullResolution, None) => self.full_resolution_flow(&from, intensity)?,
            };
            t.synthesise += start.elapsed();
            if let Some(d) = &deformed {
                deformed_crops.push(d.to_u8());
            }
            let start = Instant::now();
            out = match (&flow, &deformed) {
                (Some(flow), Some(moved)) => {
                    let residual = Image::from_planar(
                        edited.width(),
                        edited.height(),
                        edited.channels(),
                        edited.data().iter().zip(moved.data()).map(|(e, m)| e - m).collect(),
                    )
                    .expect("the edit has the motion-only crop's shape");
                    paste_motion(&out, flow, &residual, &aligned.transform, &f.landmarks)?
                }
                _ => paste_back(&out, &edited, &aligned.crop, &aligned.transform, &f.landmarks)?,
            };
            t.paste += start.elapsed();
            crops.push((aligned.crop, edited.to_u8()));
        }
        Ok(Edited { image: out, faces: faces.to_vec(), crops, deformed: deformed_crops, skipped_small: 0 })
    }

    /// Edits a photo that is already a face crop (no detection): places
    /// landmarks with the whole image as the face box, aligns it to the
    /// model's template, edits and pastes back, like a detected face. When
    /// the landmarks do not look like a face (an animal, a sketch) the crop is
    /// resized to the model instead; [`Edited::faces`] is then empty.
    pub fn edit_crop_photo(&self, finder: &FaceFinder, img: &Image<u8>, t: &mut Timings) -> Result<Edited> {
        let start = Instant::now();
        let found = finder.crop_landmarks(img)?;
        t.landmarks += start.elapsed();
        if let Some(face) = found {
            return self.edit_faces(img, &[face], t);
        }
        let start = Instant::now();
        let out = self.edit_crop(img)?;
        t.synthesise += start.elapsed();
        Ok(Edited { image: out.to_u8(), faces: Vec::new(), crops: Vec::new(), deformed: Vec::new(), skipped_small: 0 })
    }

    /// The deformation model's flow for this edit when its motion is applied
    /// at full resolution; `None` for other models or [`Motion::Crop`].
    /// (Whole-face edits; a local edit's flow comes with its crop.)
    fn full_resolution_flow(&self, from: &AuVector, intensity: f32) -> Result<Option<mien_deform::warp::Flow>> {
        match (self.motion, self.model.as_ref()) {
            (Motion::FullResolution, Model::Deform(file)) => {
                let (from, to) = self.change(from, intensity);
                Ok(Some(file.model.flow_change(&from, &to)?))
            }
            _ => Ok(None),
        }
    }

    /// The local change of an edit at `intensity` (feature sliders, or an AU
    /// list on the deformation model); `None` for whole-face edits.
    fn local_change(&self, from: &AuVector, intensity: f32) -> Option<LocalChange> {
        match (&self.features, self.local) {
            (Some(f), _) => Some(LocalChange::from_features(&f.scaled(intensity))),
            (None, true) => {
                let (from, to) = self.change(from, intensity);
                Some(LocalChange::between(&from, &to))
            }
            (None, false) => None,
        }
    }

    /// (source, target) AU vectors of an edit at `intensity`: both scaled, so
    /// the change is intensity × (target − source) and 0 changes nothing.
    fn change(&self, from: &AuVector, intensity: f32) -> (AuVector, AuVector) {
        (from.scaled(intensity), self.au.unwrap_or_default().scaled(intensity))
    }

    /// Runs the model on an aligned crop and blends by the editor's
    /// intensity; 0..255 values at the crop's size.
    pub fn edit_crop(&self, crop: &Image<u8>) -> Result<Image<f32>> {
        Ok(self.edit_crop_at(crop, self.intensity)?.0)
    }

    /// As [`Self::edit_crop`] at a given intensity (0..=[`MAX_INTENSITY`]), also returning
    /// the motion-only crop of an AU-conditioned model.
    pub fn edit_crop_at(&self, crop: &Image<u8>, intensity: f32) -> Result<(Image<f32>, Option<Image<f32>>)> {
        let from = self.estimate_source(crop, None)?;
        self.edit_crop_from(crop, &from, intensity)
    }

    /// As [`Self::edit_crop_at`] for a face known to show `from` (AU models).
    /// Local edits (sliders, AU lists) place their regions on the mean face
    /// of the template; [`Self::edit_faces`] uses each face's own landmarks.
    pub fn edit_crop_from(
        &self,
        crop: &Image<u8>,
        from: &AuVector,
        intensity: f32,
    ) -> Result<(Image<f32>, Option<Image<f32>>)> {
        self.edit_crop_with(crop, from, intensity, None, None)
    }

    /// As [`Self::edit_crop_from`], with the face's landmarks in the crop when
    /// known; a local edit's flow (at the model's size) goes to `flow`.
    fn edit_crop_with(
        &self,
        crop: &Image<u8>,
        from: &AuVector,
        intensity: f32,
        points: Option<&Points>,
        flow: Option<&mut Option<mien_deform::warp::Flow>>,
    ) -> Result<(Image<f32>, Option<Image<f32>>)> {
        let (edited, deformed) = self.model_edit_at(crop, from, intensity, points, flow)?;
        if self.colour == Colour::Model || crop.channels() != 3 {
            return Ok((edited, deformed));
        }
        // Chroma comes from the photo, moved by the motion step when there is one.
        let kept = match &deformed {
            Some(d) if d.channels() == 3 => chroma::keep_chroma(&d.view(), &edited.view())?,
            _ => chroma::keep_chroma(&crop.to_f32().view(), &edited.view())?,
        };
        Ok((kept, deformed))
    }

    /// The model's own edit of a crop, blended by intensity (no colour handling).
    fn model_edit_at(
        &self,
        crop: &Image<u8>,
        from: &AuVector,
        intensity: f32,
        points: Option<&Points>,
        flow: Option<&mut Option<mien_deform::warp::Flow>>,
    ) -> Result<(Image<f32>, Option<Image<f32>>)> {
        let (cw, ch) = (crop.width(), crop.height());
        match self.model.as_ref() {
            Model::Local(model) => {
                let opts = ApplyOptions { resize: true, ..Default::default() };
                let pred = fit_f32(pipeline::apply_f32(model, crop, std::path::Path::new(CROP_NAME), opts)?, cw, ch);
                let base = if pred.channels() != crop.channels() { crop.to_rgb() } else { crop.clone() };
                let a = intensity;
                let data = base.data().iter().zip(pred.data()).map(|(&x, &y)| x as f32 + a * (y - x as f32)).collect();
                let out = Image::from_planar(pred.width(), pred.height(), pred.channels(), data)
                    .expect("the blend has the prediction's shape");
                Ok((out, None))
            }
            #[cfg(feature = "defgan")]
            // The network at a = 0 would neutralise the face, so 0 returns the crop itself.
            Model::Defgan(_) if intensity == 0.0 => Ok((crop.to_f32(), Some(crop.to_f32()))),
            // The intensity scales the target AU vector: 0 is no motion and no texture change.
            model => self.edit_au_model(model, crop, from, intensity, points, flow),
        }
    }

    /// An AU-conditioned model on a crop: resize to the model's size,
    /// normalise as the model records, edit towards the intensity-scaled AU
    /// target, map both results back to 0..255 at the crop's size.
    fn edit_au_model(
        &self,
        model: &Model,
        crop: &Image<u8>,
        from: &AuVector,
        intensity: f32,
        points: Option<&Points>,
        flow: Option<&mut Option<mien_deform::warp::Flow>>,
    ) -> Result<(Image<f32>, Option<Image<f32>>)> {
        let meta = model.meta();
        let mut x = to_f32_at(crop, meta.width, meta.height);
        let norm = meta.normalize.apply_in_place(&mut x, std::path::Path::new(CROP_NAME))?;
        let (deformed, output) = match (model, self.local_change(from, intensity)) {
            (Model::Deform(file), Some(change)) => {
                let points = match points {
                    Some(p) => scale_points(p, crop.width(), meta.width),
                    None => scale_points(&self.template.mean_landmarks()?, self.template.size, meta.width),
                };
                let (e, f) = file.model.predict_local_with_flow(&x.view(), &points, &change)?;
                if let Some(out) = flow {
                    *out = Some(f);
                }
                (e.deformed, e.output)
            }
            _ => {
                let (from, to) = self.change(from, intensity);
                model.edit_au_from(&x.view(), &from, &to).unwrap_or(Err(Error::NotAuModel))?
            }
        };
        let back = |img: &Image<f32>| fit_f32(OutputMode::Clip.to_pixels(img, norm), crop.width(), crop.height());
        Ok((back(&output), Some(back(&deformed))))
    }
}

/// Landmarks in a crop of side `from` moved to a crop of side `to`.
fn scale_points(points: &Points, from: usize, to: usize) -> Points {
    let k = to as f32 / from.max(1) as f32;
    points.map(|(x, y)| (x * k, y * k))
}

/// The expression classifier, loaded once per process and shared by every
/// editor (its weights are compiled in; parsing them takes a few ms).
fn shared_classifier() -> Result<Arc<ExpressionNet>> {
    static NET: std::sync::OnceLock<Arc<ExpressionNet>> = std::sync::OnceLock::new();
    if let Some(n) = NET.get() {
        return Ok(Arc::clone(n));
    }
    let n = Arc::new(ExpressionNet::new()?);
    Ok(Arc::clone(NET.get_or_init(|| n)))
}

/// How the aligned crop is named in the building blocks' error messages.
const CROP_NAME: &str = "the aligned face crop";
