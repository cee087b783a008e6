//! The query of `/api/edit` and `/api/crops`, checked before the upload is
//! read: unknown or repeated parameters and out-of-range values are refused
//! with 400, and the model and expression are looked up in the catalogue.

use super::catalog::Unknown;
use mien::FaceChoice;

use super::error::ApiError;
use super::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Png,
    Jpeg,
}

/// Checked query parameters of `/api/edit` and `/api/crops`.
#[derive(Clone, Debug)]
pub struct EditParams {
    pub model: String,
    pub expression: Option<String>,
    pub intensity: f32,
    pub faces: FaceChoice,
    pub format: Format,
    /// Feature sliders (`smile=0.8,brows-up=0.3`): a local change instead of an expression.
    pub features: Option<mien::deform::Features>,
    /// What the faces show before the edit (AU models): `auto` (default), `neutral` or an expression.
    pub from: Option<mien::Source>,
}

const KNOWN_PARAMS: [&str; 7] = ["expression", "intensity", "model", "face", "format", "features", "from"];

impl EditParams {
    pub fn parse(pairs: Vec<(String, String)>) -> Result<Self, ApiError> {
        let mut p = Self {
            model: mien::registry::builtin::DEFAULT.into(),
            expression: None,
            intensity: 1.0,
            faces: FaceChoice::All,
            format: Format::Png,
            features: None,
            from: None,
        };
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in &pairs {
            let Some(known) = KNOWN_PARAMS.iter().find(|k| **k == key) else {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("unknown query parameter `{key}`; known: {}", KNOWN_PARAMS.join(", ")),
                ));
            };
            if seen.contains(known) {
                return Err(ApiError::bad_request("bad_parameter", format!("`{key}` given twice")));
            }
            seen.push(known);
            match *known {
                "expression" => p.expression = Some(value.clone()),
                "model" => p.model = value.clone(),
                "from" => {
                    p.from = Some(value.parse().map_err(|_| {
                        ApiError::bad_request(
                            "bad_parameter",
                            format!("from={value}: use auto, neutral or one of the six expressions"),
                        )
                    })?)
                }
                "features" => {
                    let f: mien::deform::Features = value
                        .parse()
                        .map_err(|e| ApiError::bad_request("bad_parameter", format!("features={value}: {e}")))?;
                    p.features = Some(f);
                }
                "intensity" => {
                    p.intensity = value.parse::<f32>().ok().filter(|v| (0.0..=mien::MAX_INTENSITY).contains(v)).ok_or_else(|| {
                        ApiError::bad_request(
                            "bad_parameter",
                            format!("intensity={value}: must be a number from 0 (unchanged) to 1.5 (1 is the full expression)"),
                        )
                    })?
                }
                "face" => {
                    p.faces = value.parse::<FaceChoice>().map_err(|_| {
                        ApiError::bad_request(
                            "bad_parameter",
                            format!("face={value}: use `all` or a face number from 1 (largest first)"),
                        )
                    })?
                }
                _ => {
                    p.format = match value.as_str() {
                        "png" => Format::Png,
                        "jpeg" | "jpg" => Format::Jpeg,
                        f => {
                            return Err(ApiError::bad_request("bad_parameter", format!("format={f}: use png or jpeg")))
                        }
                    }
                }
            }
        }
        Ok(p)
    }

    /// Checks the model and expression against the catalogue.
    pub fn check(&self, st: &AppState) -> Result<(), ApiError> {
        match st.catalog.editor(&self.model, self.expression.as_deref()) {
            Ok(e) if self.features.is_some() && e.clone().with_features(Default::default()).is_err() => {
                Err(ApiError::bad_request(
                    "bad_parameter",
                    format!("features: model `{}` has no per-feature motion; use model=deform", self.model),
                ))
            }
            Ok(_) => Ok(()),
            Err(Unknown::Model(m)) => Err(ApiError::bad_request(
                "unknown_model",
                format!("model={m}: unknown; available: {}", st.catalog.names().join(", ")),
            )),
            Err(Unknown::Expression { model, expression, accepted }) => Err(ApiError::bad_request(
                "unknown_expression",
                format!("expression={expression}: model `{model}` accepts {}", accepted.join(", ")),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &[(&str, &str)]) -> Result<EditParams, ApiError> {
        EditParams::parse(q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn defaults_and_every_parameter() {
        let p = parse(&[]).unwrap();
        assert_eq!((p.model.as_str(), p.expression.as_deref(), p.intensity), ("deform", None, 1.0));
        assert!(matches!((p.faces, p.format), (FaceChoice::All, Format::Png)));
        let p = parse(&[
            ("model", "pixel"),
            ("expression", "sad"),
            ("intensity", "0.25"),
            ("face", "3"),
            ("format", "jpg"),
        ])
        .unwrap();
        assert_eq!((p.model.as_str(), p.expression.as_deref(), p.intensity), ("pixel", Some("sad"), 0.25));
        assert!(matches!((p.faces, p.format), (FaceChoice::Nth(3), Format::Jpeg)));
    }

    #[test]
    fn refuses_unknown_repeated_and_out_of_range() {
        for q in [
            &[("au12", "0.5")][..],
            &[("intensity", "3")],
            &[("intensity", "-0.1")],
            &[("intensity", "NaN")],
            &[("intensity", "inf")],
            &[("face", "0")],
            &[("face", "first")],
            &[("format", "webp")],
            &[("features", "grin=1")],
            &[("from", "smug")],
            &[("features", "smile=3")],
            &[("features", "nose-wrinkle=-1")],
            &[("model", "masked"), ("model", "pixel")],
        ] {
            let e = parse(q).err().unwrap_or_else(|| panic!("{q:?} accepted"));
            assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST, "{q:?}");
        }
    }
}
