//! The file of an [`UntiedAutoencoder`] ([`UNTIED_FORMAT`]).

use std::borrow::Cow;
use std::path::Path;

use ndarray::{Array1, ArrayView1};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::checkpoint::{load_checkpoint, save_checkpoint};
use super::format::{
    MODEL_FORMAT_VERSION, Stored, TypeV1, UNTIED_FORMAT, check_activations, check_float, corrupt,
    float_name, read_matrix, rows_of, shape_error,
};
use super::fs::{read_limited, write_json_file};
use super::seal::{open_sealed, to_sealed_json};
use crate::activation::Activation;
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::float::Float;
#[cfg(doc)]
use crate::model::VanillaAutoencoder;
use crate::train::state::TrainState;
use crate::untied::UntiedAutoencoder;

/// An untied model as written by version 2 (the seal aside).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UntiedFileV2<T, W = Vec<Vec<T>>> {
    format: String,
    version: u64,
    float: String,
    activation: String,
    output_activation: String,
    n_inputs: usize,
    n_hidden: usize,
    w: W,
    v: W,
    b1: Vec<T>,
    b2: Vec<T>,
}

impl<F: Float, A: Activation, O: Activation> UntiedAutoencoder<F, A, O> {
    /// The model as a JSON document in the versioned format ([`UNTIED_FORMAT`](crate::UNTIED_FORMAT)).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::UntiedAutoencoder;
    /// let model = UntiedAutoencoder::<f32>::new(6, 3, 1)?;
    /// let back = UntiedAutoencoder::<f32>::from_json_str(&model.to_json_string())?;
    /// assert_eq!(back, model);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn to_json_string(&self) -> String {
        fn file<T: Stored, F: Float, A: Activation, O: Activation>(
            model: &UntiedAutoencoder<F, A, O>,
        ) -> UntiedFileV2<T> {
            let values = |a: ArrayView1<'_, F>| a.iter().map(|&v| T::from_model(v)).collect();
            UntiedFileV2 {
                format: UNTIED_FORMAT.to_owned(),
                version: MODEL_FORMAT_VERSION,
                float: float_name::<F>().to_owned(),
                activation: A::NAME.to_owned(),
                output_activation: O::NAME.to_owned(),
                n_inputs: model.n_inputs(),
                n_hidden: model.n_hidden(),
                w: rows_of(model.w()),
                v: rows_of(model.v()),
                b1: values(model.b1()),
                b2: values(model.b2()),
            }
        }
        let json = if float_name::<F>() == "f32" {
            to_sealed_json(&file::<f32, F, A, O>(self))
        } else {
            to_sealed_json(&file::<f64, F, A, O>(self))
        };
        // A struct of strings, integers and finite floats always serialises to a JSON object.
        json.expect("a model always serialises to JSON")
    }

    /// Reads a model written by [`to_json_string`](Self::to_json_string) or
    /// [`save_json`](Self::save_json), for this exact float type and activations.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::from_json_str`] (with `V` checked against
    /// `[n_inputs, n_hidden]`).
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
        fn parts<T: Stored, F: Float, A: Activation, O: Activation>(
            json: &[u8],
        ) -> Result<UntiedAutoencoder<F, A, O>> {
            let file: UntiedFileV2<T, &serde_json::value::RawValue> =
                serde_json::from_slice(json).map_err(corrupt)?;
            let (d, h) = (file.n_inputs, file.n_hidden);
            if file.b1.len() != h {
                return Err(shape_error("b1", &[h], vec![file.b1.len()]));
            }
            if file.b2.len() != d {
                return Err(shape_error("b2", &[d], vec![file.b2.len()]));
            }
            let w = read_matrix::<T, F>(file.w, (h, d), "W")?;
            let v = read_matrix::<T, F>(file.v, (d, h), "V")?;
            let vector = |b: Vec<T>| Array1::from_iter(b.into_iter().map(T::to_model));
            UntiedAutoencoder::from_parts(w, v, vector(file.b1), vector(file.b2))
        }
        let body = open_sealed(json, UNTIED_FORMAT, MODEL_FORMAT_VERSION, None)?;
        let kind: TypeV1 = serde_json::from_slice(&body).map_err(corrupt)?;
        check_float::<F>(&kind.float)?;
        check_activations::<A, O>(&kind.activation, &kind.output_activation)?;
        if float_name::<F>() == "f32" {
            parts::<f32, F, A, O>(&body)
        } else {
            parts::<f64, F, A, O>(&body)
        }
    }

    /// Saves the model as JSON to `path`, atomically (see [`VanillaAutoencoder::save_json`]).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written, synced or renamed into place.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        write_json_file(path.as_ref(), self.to_json_string())
    }

    /// Loads a model saved by [`save_json`](Self::save_json).
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::ModelTooLarge`], or as [`from_json_str`](Self::from_json_str).
    pub fn load_json(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_json_cow(Cow::Owned(read_limited(path.as_ref())?))
    }

    /// Saves the model and a training state as a checkpoint, atomically (see
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

    /// Loads a model and its training state saved by [`save_checkpoint`](Self::save_checkpoint).
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::load_checkpoint`].
    pub fn load_checkpoint(path: impl AsRef<Path>) -> Result<(Self, TrainState<F>)>
    where
        F: DeserializeOwned,
    {
        load_checkpoint(path.as_ref(), Self::from_json_slice)
    }
}
