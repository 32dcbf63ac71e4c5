//! The file of a [`StackedAutoencoder`] ([`STACKED_FORMAT`]).

use std::borrow::Cow;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use ndarray::Array2;

use super::checkpoint::{load_checkpoint, save_checkpoint};
use super::format::{
    LevelParts, LevelV1, MODEL_FORMAT_VERSION, RawLevel, STACKED_FORMAT, Stored, corrupt,
    float_name, open_model,
};
use super::fs::{read_limited, write_json_file};
use super::seal::to_sealed_json;
use crate::activation::Activation;
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::float::Float;
#[cfg(doc)]
use crate::model::VanillaAutoencoder;
use crate::stacked::StackedAutoencoder;
use crate::train::state::TrainState;

/// A stacked model as written by versions 1 and 2 (the seal aside).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StackedFileV1<T, W = Vec<Vec<T>>> {
    format: String,
    version: u64,
    float: String,
    activation: String,
    output_activation: String,
    levels: Vec<LevelV1<T, W>>,
}

/// Saving and loading as JSON (feature `serde`); [`STACKED_FORMAT`] describes the format.
impl<F: Float, A: Activation, O: Activation> StackedAutoencoder<F, A, O> {
    /// The stack as a JSON document in the versioned format.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::StackedAutoencoder;
    /// let stack = StackedAutoencoder::<f32>::new(&[6, 4, 2], 1)?;
    /// let back = StackedAutoencoder::<f32>::from_json_str(&stack.to_json_string())?;
    /// assert_eq!(back, stack);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn to_json_string(&self) -> String {
        fn file<T: Stored, F: Float, A: Activation, O: Activation>(
            stack: &StackedAutoencoder<F, A, O>,
        ) -> StackedFileV1<T> {
            StackedFileV1 {
                format: STACKED_FORMAT.to_owned(),
                version: MODEL_FORMAT_VERSION,
                float: float_name::<F>().to_owned(),
                activation: A::NAME.to_owned(),
                output_activation: O::NAME.to_owned(),
                levels: (0..stack.n_levels())
                    .map(|k| {
                        let (w, b1, b2) = stack.level(k);
                        LevelV1::from_parts(w, b1, b2, stack.level_v(k))
                    })
                    .collect(),
            }
        }
        let json = if float_name::<F>() == "f32" {
            to_sealed_json(&file::<f32, F, A, O>(self))
        } else {
            to_sealed_json(&file::<f64, F, A, O>(self))
        };
        // A struct of strings, integers and finite floats always serialises to a JSON object.
        json.expect("a stack always serialises to JSON")
    }

    /// Reads a stack written by [`to_json_string`](Self::to_json_string) or
    /// [`save_json`](Self::save_json), for this exact float type and activations.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::from_json_str`], and [`Error::InvalidLayerSizes`] when the
    /// levels do not chain.
    pub fn from_json_str(json: &str) -> Result<Self> {
        Self::from_json_slice(json.as_bytes())
    }

    /// As [`from_json_str`](Self::from_json_str), from bytes.
    ///
    /// # Errors
    /// As [`from_json_str`](Self::from_json_str).
    pub fn from_json_slice(json: &[u8]) -> Result<Self> {
        Self::from_json_cow(Cow::Borrowed(json))
    }

    fn from_json_cow(json: Cow<'_, [u8]>) -> Result<Self> {
        type Parts<F> = Vec<(LevelParts<F>, Option<Array2<F>>)>;
        fn levels<T: Stored, F: Float>(json: &[u8]) -> Result<Parts<F>> {
            let file: StackedFileV1<T, _> = serde_json::from_slice(json).map_err(corrupt)?;
            file.levels
                .into_iter()
                .map(RawLevel::into_parts_and_v)
                .collect()
        }
        let json = open_model::<F, A, O>(json, STACKED_FORMAT)?;
        let parts = if float_name::<F>() == "f32" {
            levels::<f32, F>(&json)?
        } else {
            levels::<f64, F>(&json)?
        };
        let untied = parts.iter().filter(|(_, v)| v.is_some()).count();
        if untied == 0 {
            Self::from_levels(parts.into_iter().map(|(level, _)| level).collect())
        } else if untied == parts.len() {
            let levels = parts.into_iter().map(|((w, b1, b2), v)| {
                let v = v.expect("every level has V");
                (w, v, b1, b2)
            });
            Self::from_untied_levels(levels.collect())
        } else {
            Err(corrupt("some levels have V and others not"))
        }
    }

    /// Saves the stack as JSON to `path`, atomically (see [`VanillaAutoencoder::save_json`]).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written, synced or renamed into place.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        write_json_file(path.as_ref(), self.to_json_string())
    }

    /// Saves the stack and a fine-tuning state as a checkpoint, atomically (see
    /// [`VanillaAutoencoder::save_checkpoint`]).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn save_checkpoint(&self, path: impl AsRef<Path>, state: &TrainState<F>) -> Result<()>
    where
        F: Serialize,
    {
        save_checkpoint(path.as_ref(), self.to_json_string(), state)
    }

    /// Loads a stack and its fine-tuning state saved by [`save_checkpoint`](Self::save_checkpoint).
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::load_checkpoint`].
    pub fn load_checkpoint(path: impl AsRef<Path>) -> Result<(Self, TrainState<F>)>
    where
        F: DeserializeOwned,
    {
        load_checkpoint(path.as_ref(), Self::from_json_slice)
    }

    /// Loads a stack saved by [`save_json`](Self::save_json).
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::ModelTooLarge`], or as [`from_json_str`](Self::from_json_str).
    pub fn load_json(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_json_cow(Cow::Owned(read_limited(path.as_ref())?))
    }
}
