//! face-api's `FaceProcessor`: the `FaceFeatureExtractor` body (four dense
//! blocks and a global average pool to 256 features) followed by one fully
//! connected layer, with the weights of one face-api model file.

use super::dense_block::DenseBlock;
use super::fully_connected::{global_average, FullyConnected};
use super::preprocess::{crop_geometry, network_input, CropGeometry, INPUT_SIZE};
use super::tensor::Tensor;
use super::weights::WeightMap;
use crate::detect::FaceBox;
use crate::error::{Error, Result};
use mien_core::image::Image;

/// Width of the feature vector the body hands to the head.
const FEATURES: usize = 256;

/// Body plus head with weights loaded; immutable and `Sync`.
#[derive(Clone, Debug)]
pub(crate) struct FaceApiNet {
    blocks: [DenseBlock; 4],
    fc: FullyConnected,
}

impl FaceApiNet {
    /// Loads a face-api manifest (JSON text) and binary whose head has
    /// `n_out` outputs; any other file is [`Error::CorruptWeights`].
    pub fn from_face_api(manifest: &str, bin: &[u8], n_out: usize) -> Result<Self> {
        let mut map = WeightMap::parse(manifest, bin)?;
        let blocks = [
            map.dense_block("dense0", 3, 32, true)?,
            map.dense_block("dense1", 32, 64, false)?,
            map.dense_block("dense2", 64, 128, false)?,
            map.dense_block("dense3", 128, FEATURES, false)?,
        ];
        let fc = map.fully_connected(FEATURES, n_out)?;
        Ok(Self { blocks, fc })
    }

    /// The crop face-api takes for `face` and the normalised 112×112×3
    /// network input made from it.
    pub fn prepare(image: &Image<u8>, face: &FaceBox) -> Result<(CropGeometry, Tensor)> {
        if !matches!(image.channels(), 1 | 3) {
            return Err(Error::BadImage(format!("{} channels; expected 1 (grey) or 3 (RGB)", image.channels())));
        }
        if image.width() == 0 || image.height() == 0 {
            return Err(Error::BadImage("the image has no pixels".into()));
        }
        let geometry = crop_geometry(image, face)?;
        let input = network_input(image, &geometry);
        Ok((geometry, input))
    }

    /// Wraps a caller's prepared input (channels last, normalised), checking its length.
    pub fn input_tensor(input: &[f32]) -> Result<Tensor> {
        if input.len() != INPUT_SIZE * INPUT_SIZE * 3 {
            return Err(Error::BadImage(format!(
                "network input has {} values, expected {INPUT_SIZE}×{INPUT_SIZE}×3",
                input.len()
            )));
        }
        Ok(Tensor { h: INPUT_SIZE, w: INPUT_SIZE, c: 3, data: input.to_vec() })
    }

    /// The head's raw outputs for a prepared input; an error if any is not
    /// finite (only possible with damaged weights).
    pub fn forward(&self, input: &Tensor) -> Result<Vec<f32>> {
        let mut x = self.blocks[0].forward(input);
        for block in &self.blocks[1..] {
            x = block.forward(&x);
        }
        let out = self.fc.forward(&global_average(&x));
        if out.iter().any(|v| !v.is_finite()) {
            return Err(Error::CorruptWeights("the network produced non-finite outputs".into()));
        }
        Ok(out)
    }
}
