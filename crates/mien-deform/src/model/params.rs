//! Hyperparameters of the deform model.

use mien_core::Error as CoreError;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::flow::FlowSettings;

/// Hyperparameters of [`super::Deform`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `levels` | 4 | pyramid levels of the flow solve | 1 ≤ n ≤ 8 |
/// | `warps` | 6 | re-linearisations per level | 1 ≤ n ≤ 50 |
/// | `sweeps` | 40 | SOR sweeps per linearisation | 1 ≤ n ≤ 1000 |
/// | `smoothness` | 0.05 | flow smoothness weight α (chosen by LOSO on aligned JAFFE; one clean pair wants ≈ 0.002) | > 0, finite |
/// | `magnitude` | 1e-6 | flow magnitude weight β | ≥ 0, finite |
/// | `basis_ridge` | 0.05 | ridge μ of the per-AU basis solve | > 0, finite |
/// | `texture_window` | 3 | side r of the texture regression window | odd, 1 ≤ r ≤ 15 |
/// | `texture_lambda` | 1 | ridge λ of the texture regression (towards "no change") | > 0, finite |
/// | `texture` | true | fit the texture step at all (false: motion only) | bool |
/// | `motion` | photometric | where each group's flow comes from ([`MotionSource`]) | photometric, landmarks |
/// | `landmark_relax` | 1 | λ of the landmark spline (7): 0 interpolates the mean landmarks exactly | ≥ 0, finite |
/// | `keep_strength` | true | lengthen the mean landmark motion to the subjects' typical strength ([`crate::guide::landmark_flow`]) | bool |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeformParams {
    pub(crate) flow: FlowSettings,
    pub(crate) basis_ridge: f64,
    pub(crate) texture_window: usize,
    pub(crate) texture_lambda: f64,
    pub(crate) texture: bool,
    /// Absent in files written before landmark motion: photometric.
    #[serde(default)]
    pub(crate) motion: MotionSource,
    #[serde(default = "default_relax")]
    pub(crate) landmark_relax: f64,
    #[serde(default)]
    pub(crate) keep_strength: bool,
}

fn default_relax() -> f64 {
    1.0
}

/// Where a group's motion comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MotionSource {
    /// One flow fitted to the group's pixels ([`crate::flow`]): needs nothing
    /// but the images; averages differing motions towards the weakest.
    #[default]
    Photometric,
    /// The group's mean landmark displacement, interpolated by a thin-plate
    /// spline ([`crate::guide`]): keeps the expression's full strength; every
    /// group needs [`crate::guide::PointPair`]s.
    Landmarks,
}

impl Default for DeformParams {
    fn default() -> Self {
        Self {
            flow: FlowSettings::default(),
            basis_ridge: 0.05,
            texture_window: 3,
            texture_lambda: 1.0,
            texture: true,
            motion: MotionSource::default(),
            landmark_relax: default_relax(),
            keep_strength: true,
        }
    }
}

impl DeformParams {
    /// Pyramid levels (default 4).
    pub fn levels(mut self, n: usize) -> Self {
        self.flow.levels = n;
        self
    }
    /// Linearisations per level (default 6).
    pub fn warps(mut self, n: usize) -> Self {
        self.flow.warps = n;
        self
    }
    /// SOR sweeps per linearisation (default 40).
    pub fn sweeps(mut self, n: usize) -> Self {
        self.flow.sweeps = n;
        self
    }
    /// Flow smoothness α (default 0.05).
    pub fn smoothness(mut self, alpha: f64) -> Self {
        self.flow.smoothness = alpha;
        self
    }
    /// Flow magnitude penalty β (default 1e-6).
    pub fn magnitude(mut self, beta: f64) -> Self {
        self.flow.magnitude = beta;
        self
    }
    /// Ridge μ of the per-AU basis (default 0.05).
    pub fn basis_ridge(mut self, mu: f64) -> Self {
        self.basis_ridge = mu;
        self
    }
    /// Texture window side r (default 3).
    pub fn texture_window(mut self, r: usize) -> Self {
        self.texture_window = r;
        self
    }
    /// Texture ridge λ (default 1).
    pub fn texture_lambda(mut self, lambda: f64) -> Self {
        self.texture_lambda = lambda;
        self
    }
    /// Whether to fit the texture step (default true).
    pub fn texture(mut self, yes: bool) -> Self {
        self.texture = yes;
        self
    }
    /// Where each group's motion comes from (default photometric).
    pub fn motion(mut self, source: MotionSource) -> Self {
        self.motion = source;
        self
    }
    /// λ of the landmark spline (default 1).
    pub fn landmark_relax(mut self, lambda: f64) -> Self {
        self.landmark_relax = lambda;
        self
    }
    /// Whether landmark motion keeps the subjects' typical strength (default true).
    pub fn keep_strength(mut self, yes: bool) -> Self {
        self.keep_strength = yes;
        self
    }
    /// The motion source.
    pub fn motion_source(&self) -> MotionSource {
        self.motion
    }
    /// The flow solver settings.
    pub fn flow_settings(&self) -> &FlowSettings {
        &self.flow
    }
    /// Texture window side r.
    pub fn window(&self) -> usize {
        self.texture_window
    }

    /// Checks ranges that do not depend on the data.
    pub fn check(&self) -> Result<()> {
        let f = &self.flow;
        let bad = |name, value: String, expected: &str| Err(CoreError::param(name, value, expected).into());
        if !(1..=8).contains(&f.levels) {
            return bad("levels", f.levels.to_string(), "between 1 and 8");
        }
        if !(1..=50).contains(&f.warps) {
            return bad("warps", f.warps.to_string(), "between 1 and 50");
        }
        if !(1..=1000).contains(&f.sweeps) {
            return bad("sweeps", f.sweeps.to_string(), "between 1 and 1000");
        }
        if !(f.smoothness > 0.0 && f.smoothness.is_finite()) {
            return bad("smoothness", f.smoothness.to_string(), "a finite number > 0");
        }
        if !(f.magnitude >= 0.0 && f.magnitude.is_finite()) {
            return bad("magnitude", f.magnitude.to_string(), "a finite number ≥ 0");
        }
        if !(self.basis_ridge > 0.0 && self.basis_ridge.is_finite()) {
            return bad("basis ridge", self.basis_ridge.to_string(), "a finite number > 0");
        }
        let r = self.texture_window;
        if r == 0 || r % 2 == 0 || r > 15 {
            return bad("texture window", r.to_string(), "an odd number between 1 and 15");
        }
        if !(self.texture_lambda > 0.0 && self.texture_lambda.is_finite()) {
            return bad("texture lambda", self.texture_lambda.to_string(), "a finite number > 0");
        }
        if !(self.landmark_relax >= 0.0 && self.landmark_relax.is_finite()) {
            return bad("landmark relax", self.landmark_relax.to_string(), "a finite number ≥ 0");
        }
        Ok(())
    }
}
