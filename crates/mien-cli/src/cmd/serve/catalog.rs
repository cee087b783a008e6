//! The models on offer, loaded once at start-up: the built-in kinds (one
//! model file per expression) and every `*.safetensors` file in `--models DIR`
//! (one expression each, named by file stem). Requests pick models by these
//! names only, so no request ever names a file. Each model is decoded once:
//! the editors of an AU-conditioned model's expressions share it.

use std::collections::BTreeMap;
use std::path::Path;

use std::sync::Arc;

use anyhow::{Context, Result};
use mien::core::labels::EXPRESSIONS;
use mien::registry::{builtin, ModelCache};
use mien::{Editor, Model};
use serde::Serialize;

/// One selectable model and the expressions it can produce.
#[derive(Serialize)]
pub struct ModelInfo {
    pub name: String,
    /// Model kind from the file's metadata (masked, pixel, omp, …).
    pub kind: String,
    pub builtin: bool,
    pub expressions: Vec<String>,
    pub default_expression: String,
    /// Side of the aligned face crop the model works on.
    pub crop_size: usize,
}

/// Models by name, each with one [`Editor`] per expression.
pub struct Catalog {
    pub models: Vec<ModelInfo>,
    editors: BTreeMap<(String, String), Editor>,
}

/// Why a (model, expression) pair was refused.
pub enum Unknown {
    Model(String),
    Expression { model: String, expression: String, accepted: Vec<String> },
}

impl Catalog {
    /// Loads the built-in models and the model files in `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        let mut catalog = Self { models: Vec::new(), editors: BTreeMap::new() };
        let models = ModelCache::new();
        for kind in builtin::NAMES {
            let mut expressions = Vec::new();
            let mut crop_size = 0;
            for (expression, _) in EXPRESSIONS {
                // Intensity is applied per request; the editor computes the full expression.
                let editor = Editor::new(models.get(kind, expression)?, expression)?;
                crop_size = editor.template().size;
                catalog.editors.insert((kind.to_string(), expression.to_string()), editor);
                expressions.push(expression.to_string());
            }
            catalog.models.push(ModelInfo {
                name: kind.to_string(),
                kind: kind.to_string(),
                builtin: true,
                default_expression: expressions[0].clone(),
                expressions,
                crop_size,
            });
        }
        if let Some(dir) = dir {
            catalog.load_dir(dir)?;
        }
        Ok(catalog)
    }

    fn load_dir(&mut self, dir: &Path) -> Result<()> {
        let entries = std::fs::read_dir(dir).with_context(|| format!("--models {}", dir.display()))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.with_context(|| format!("--models {}", dir.display()))?.path();
            if path.extension().is_some_and(|e| e == "safetensors") {
                paths.push(path);
            }
        }
        paths.sort();
        anyhow::ensure!(!paths.is_empty(), "--models {}: no *.safetensors model files in this folder", dir.display());
        for path in paths {
            let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            anyhow::ensure!(
                !self.models.iter().any(|m| m.name == name),
                "--models: {} has the same name as a built-in model; rename the file",
                path.display()
            );
            let shown = path.to_string_lossy();
            // The expression a file was trained for is in its metadata; `custom` when not recorded.
            let model = Arc::new(Model::load(&path).with_context(|| format!("--models: cannot load {shown}"))?);
            let cannot = || format!("--models: cannot load {}", path.display());
            // An AU model makes every expression; a per-expression model only its own.
            let offered: Vec<(String, Editor)> = if model.takes_au() {
                EXPRESSIONS
                    .iter()
                    .map(|(e, _)| Ok((e.to_string(), Editor::new(Arc::clone(&model), e).with_context(cannot)?)))
                    .collect::<Result<_>>()?
            } else {
                let trained = model.meta().training.expression.clone();
                let editor =
                    Editor::new(Arc::clone(&model), trained.as_deref().unwrap_or("happy")).with_context(cannot)?;
                vec![(trained.unwrap_or_else(|| "custom".into()), editor)]
            };
            let expressions: Vec<String> = offered.iter().map(|(e, _)| e.clone()).collect();
            self.models.push(ModelInfo {
                name: name.clone(),
                kind: model.meta().kind.clone(),
                builtin: false,
                default_expression: expressions[0].clone(),
                expressions,
                crop_size: offered[0].1.template().size,
            });
            for (expression, editor) in offered {
                self.editors.insert((name.clone(), expression), editor);
            }
        }
        Ok(())
    }

    /// The editor for a model name and expression (the model's default when `None`).
    pub fn editor(&self, model: &str, expression: Option<&str>) -> Result<&Editor, Unknown> {
        let info = self.models.iter().find(|m| m.name == model).ok_or_else(|| Unknown::Model(model.to_string()))?;
        let expression = expression.unwrap_or(&info.default_expression);
        self.editors.get(&(model.to_string(), expression.to_string())).ok_or_else(|| Unknown::Expression {
            model: model.to_string(),
            expression: expression.to_string(),
            accepted: info.expressions.clone(),
        })
    }

    /// Model names, for error messages.
    pub fn names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.name.as_str()).collect()
    }
}
