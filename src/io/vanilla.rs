//! The file of a [`VanillaAutoencoder`] ([`MODEL_FORMAT`]).

use std::borrow::Cow;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::checkpoint::{load_checkpoint, save_checkpoint};
use super::format::{
    LevelV1, MODEL_FORMAT, MODEL_FORMAT_VERSION, RawLevel, Stored, corrupt, float_name, open_model,
};
use super::fs::{read_limited, write_json_file};
use super::seal::to_sealed_json;
use crate::activation::Activation;
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::float::Float;
use crate::model::VanillaAutoencoder;
use crate::train::state::TrainState;

/// The file as written by versions 1 and 2 (the seal aside), with values stored as `T` (`f32` or
/// `f64`); `W` is written from rows and read as raw text (see [`RawLevel`]).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFileV1<T, W = Vec<Vec<T>>> {
    format: String,
    version: u64,
    float: String,
    activation: String,
    output_activation: String,
    n_inputs: usize,
    n_hidden: usize,
    w: W,
    b1: Vec<T>,
    b2: Vec<T>,
}

impl<T: Stored> ModelFileV1<T> {
    fn from_model<F: Float, A: Activation, O: Activation>(
        model: &VanillaAutoencoder<F, A, O>,
    ) -> Self {
        let level = LevelV1::from_parts(model.w(), model.b1(), model.b2(), None);
        Self {
            format: MODEL_FORMAT.to_owned(),
            version: MODEL_FORMAT_VERSION,
            float: float_name::<F>().to_owned(),
            activation: A::NAME.to_owned(),
            output_activation: O::NAME.to_owned(),
            n_inputs: level.n_inputs,
            n_hidden: level.n_hidden,
            w: level.w,
            b1: level.b1,
            b2: level.b2,
        }
    }
}

impl<T: Stored> ModelFileV1<T, &serde_json::value::RawValue> {
    fn into_model<F: Float, A: Activation, O: Activation>(
        self,
    ) -> Result<VanillaAutoencoder<F, A, O>> {
        let level = RawLevel {
            n_inputs: self.n_inputs,
            n_hidden: self.n_hidden,
            w: self.w,
            b1: self.b1,
            b2: self.b2,
            v: None,
        };
        let (w, b1, b2) = level.into_parts()?;
        VanillaAutoencoder::from_parts(w, b1, b2)
    }
}

/// Saving and loading as JSON (feature `serde`); [`MODEL_FORMAT`](crate::MODEL_FORMAT) describes
/// the format.
impl<F: Float, A: Activation, O: Activation> VanillaAutoencoder<F, A, O> {
    /// The model as a JSON document in the versioned format (format, version, float type,
    /// activation names, shapes and parameters).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// let model = VanillaAutoencoder::<f64>::new(3, 2, 1)?;
    /// let json = model.to_json_string();
    /// assert!(json.starts_with(r#"{"format":"autoencoder/vanilla","version":2,"float":"f64""#));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn to_json_string(&self) -> String {
        let json = if float_name::<F>() == "f32" {
            to_sealed_json(&ModelFileV1::<f32>::from_model(self))
        } else {
            to_sealed_json(&ModelFileV1::<f64>::from_model(self))
        };
        // A struct of strings, integers and finite floats always serialises to a JSON object.
        json.expect("a model always serialises to JSON")
    }

    /// Reads a model from a JSON document written by [`to_json_string`](Self::to_json_string)
    /// or [`save_json`](Self::save_json), for this exact float type and activations.
    ///
    /// # Errors
    /// [`Error::ModelTooLarge`] above [`MAX_MODEL_BYTES`](crate::MAX_MODEL_BYTES);
    /// [`Error::CorruptModel`] for truncated or malformed JSON, another format name, a missing,
    /// extra or mistyped field, a missing or malformed checksum (version 2), or a number out of
    /// the float type's range (JSON has no NaN or infinity, so every value that loads is
    /// finite); [`Error::UnsupportedVersion`]; [`Error::ChecksumMismatch`] when the content was
    /// changed after it was written; [`Error::FloatTypeMismatch`]; [`Error::ActivationMismatch`];
    /// [`Error::ParameterShapeMismatch`] when a parameter disagrees with `n_inputs` and
    /// `n_hidden`; and [`Error::InconsistentParts`] for a zero size (from
    /// [`from_parts`](Self::from_parts)).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Error, VanillaAutoencoder};
    /// let json = VanillaAutoencoder::<f64>::new(3, 2, 1)?.to_json_string();
    /// let truncated = &json[..json.len() - 1];
    /// assert!(matches!(
    ///     VanillaAutoencoder::<f64>::from_json_str(truncated),
    ///     Err(Error::CorruptModel { .. })
    /// ));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn from_json_str(json: &str) -> Result<Self> {
        Self::from_json_slice(json.as_bytes())
    }

    /// As [`from_json_str`](Self::from_json_str), from bytes (which must be UTF-8 JSON).
    ///
    /// # Errors
    /// As [`from_json_str`](Self::from_json_str); invalid UTF-8 is [`Error::CorruptModel`].
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Error, VanillaAutoencoder};
    /// let err = VanillaAutoencoder::<f64>::from_json_slice(b"\xff\xfe").unwrap_err();
    /// assert!(matches!(err, Error::CorruptModel { .. }));
    /// ```
    pub fn from_json_slice(json: &[u8]) -> Result<Self> {
        Self::from_json_cow(Cow::Borrowed(json))
    }

    fn from_json_cow(json: Cow<'_, [u8]>) -> Result<Self> {
        let json = open_model::<F, A, O>(json, MODEL_FORMAT)?;
        if float_name::<F>() == "f32" {
            serde_json::from_slice::<ModelFileV1<f32, _>>(&json)
                .map_err(corrupt)?
                .into_model()
        } else {
            serde_json::from_slice::<ModelFileV1<f64, _>>(&json)
                .map_err(corrupt)?
                .into_model()
        }
    }

    /// Saves the model as JSON to `path`, atomically: after a crash at any moment, `path` holds
    /// either its previous content or the complete new model.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written, synced or renamed into place.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let path = std::env::temp_dir().join(format!("doc-save-json-{}.json", std::process::id()));
    /// let model = VanillaAutoencoder::<f64>::new(9, 5, 42)?;
    /// model.save_json(&path)?;
    /// assert_eq!(VanillaAutoencoder::<f64>::load_json(&path)?, model);
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        write_json_file(path.as_ref(), self.to_json_string())
    }

    /// Saves the model and a training state (from [`FitReport::state`](crate::FitReport::state))
    /// as a checkpoint, atomically; [`load_checkpoint`](Self::load_checkpoint) and
    /// [`fit_resume`](Self::fit_resume) continue training exactly where it stopped.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{TrainConfig, VanillaAutoencoder};
    /// use ndarray::Array2;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let x = Array2::from_shape_fn((40, 4), |(i, j)| ((i + j) % 3) as f64 / 2.0);
    /// let config = TrainConfig::new().epochs(4);
    /// let path = std::env::temp_dir().join(format!("doc-checkpoint-{}.json", std::process::id()));
    ///
    /// let mut model = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
    /// let report = model.fit(&x, &config.clone().epochs(2))?;
    /// model.save_checkpoint(&path, report.state())?;
    ///
    /// let (mut resumed, state) = VanillaAutoencoder::<f64>::load_checkpoint(&path)?;
    /// resumed.fit_resume(&x, &config, state, &mut ())?;
    /// let mut whole = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
    /// whole.fit(&x, &config)?;
    /// assert_eq!(resumed, whole);
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn save_checkpoint(&self, path: impl AsRef<Path>, state: &TrainState<F>) -> Result<()>
    where
        F: Serialize,
    {
        save_checkpoint(path.as_ref(), self.to_json_string(), state)
    }

    /// Loads a model and its training state saved by [`save_checkpoint`](Self::save_checkpoint).
    ///
    /// # Errors
    /// As [`load_json`](Self::load_json) for the file and the model (the checkpoint and the model
    /// in it each carry a checksum); [`Error::CorruptModel`] when the state is malformed, does
    /// not fit the model's shapes, holds non-finite values or counters beyond the epochs run.
    pub fn load_checkpoint(path: impl AsRef<Path>) -> Result<(Self, TrainState<F>)>
    where
        F: DeserializeOwned,
    {
        load_checkpoint(path.as_ref(), Self::from_json_slice)
    }

    /// Loads a model saved by [`save_json`](Self::save_json), for this exact float type and
    /// activations.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::ModelTooLarge`] when it is larger
    /// than [`MAX_MODEL_BYTES`](crate::MAX_MODEL_BYTES) (checked before reading it); otherwise
    /// as [`from_json_str`](Self::from_json_str).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Error, VanillaAutoencoder};
    /// let err = VanillaAutoencoder::<f64>::load_json("/no/such/model.json").unwrap_err();
    /// assert!(matches!(err, Error::Io { kind: std::io::ErrorKind::NotFound, .. }));
    /// ```
    pub fn load_json(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_json_cow(Cow::Owned(read_limited(path.as_ref())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid, Tanh};
    use crate::error::Error;

    fn model() -> VanillaAutoencoder<f64, Tanh, Identity> {
        VanillaAutoencoder::new(4, 3, 9).unwrap()
    }

    /// `json` edited by `f`, sealed anew.
    fn edit(json: &str, f: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
        value.as_object_mut().unwrap().remove("checksum");
        f(&mut value);
        to_sealed_json(&value).unwrap()
    }

    #[test]
    fn round_trip_is_exact_for_f32_and_f64() {
        let m = model();
        assert_eq!(
            VanillaAutoencoder::from_json_str(&m.to_json_string()).unwrap(),
            m
        );
        let m32 = VanillaAutoencoder::<f32, Sigmoid>::new(7, 2, 3).unwrap();
        assert_eq!(
            VanillaAutoencoder::from_json_str(&m32.to_json_string()).unwrap(),
            m32
        );
    }

    #[test]
    fn header_fields_are_written() {
        let v: serde_json::Value = serde_json::from_str(&model().to_json_string()).unwrap();
        assert_eq!(v["format"], MODEL_FORMAT);
        assert_eq!(v["version"], MODEL_FORMAT_VERSION);
        assert_eq!(v["float"], "f64");
        assert_eq!(v["activation"], "tanh");
        assert_eq!(v["output_activation"], "identity");
        assert_eq!(
            (v["n_inputs"].as_u64(), v["n_hidden"].as_u64()),
            (Some(4), Some(3))
        );
    }

    #[test]
    fn each_check_has_its_error() {
        let json = model().to_json_string();
        type M = VanillaAutoencoder<f64, Tanh, Identity>;
        let load = |s: String| M::from_json_str(&s).unwrap_err();
        assert!(matches!(
            load(edit(&json, |v| v["format"] = "other".into())),
            Error::CorruptModel { .. }
        ));
        assert!(matches!(
            load(edit(&json, |v| v["version"] = 3.into())),
            Error::UnsupportedVersion {
                found: 3,
                supported: 2
            }
        ));
        assert!(matches!(
            load(edit(&json, |v| v["float"] = "f32".into())),
            Error::FloatTypeMismatch { .. }
        ));
        assert!(matches!(
            load(edit(&json, |v| v["output_activation"] = "relu".into())),
            Error::ActivationMismatch {
                layer: "decoder",
                ..
            }
        ));
        assert!(matches!(
            load(edit(&json, |v| v["n_hidden"] = 2.into())),
            Error::ParameterShapeMismatch { .. }
        ));
        assert!(matches!(
            load(edit(&json, |v| v["w"][1]
                .as_array_mut()
                .unwrap()
                .push(0.5.into()))),
            Error::ParameterShapeMismatch { name: "W", .. }
        ));
        assert!(matches!(
            load(edit(&json, |v| v["b2"]
                .as_array_mut()
                .unwrap()
                .pop()
                .map(drop)
                .unwrap())),
            Error::ParameterShapeMismatch { name: "b2", .. }
        ));
        assert!(matches!(
            load(edit(&json, |v| v["extra"] = 1.into())),
            Error::CorruptModel { .. }
        ));
        assert!(matches!(
            load(json[..json.len() / 2].to_owned()),
            Error::CorruptModel { .. }
        ));
        let zero = edit(&json, |v| {
            v["n_hidden"] = 0.into();
            v["w"] = serde_json::json!([]);
            v["b1"] = serde_json::json!([]);
        });
        assert!(matches!(load(zero), Error::InconsistentParts { .. }));
    }

    #[test]
    fn f32_overflow_is_corrupt() {
        let json = VanillaAutoencoder::<f32>::new(2, 1, 0)
            .unwrap()
            .to_json_string();
        let json = edit(&json, |v| v["b2"][0] = serde_json::json!(1e39));
        assert!(matches!(
            VanillaAutoencoder::<f32>::from_json_str(&json),
            Err(Error::CorruptModel { .. })
        ));
    }

    #[test]
    fn float_type_is_checked_before_values_out_of_its_range() {
        let json = VanillaAutoencoder::<f64>::new(2, 1, 0)
            .unwrap()
            .to_json_string();
        let json = edit(&json, |v| v["b2"][0] = serde_json::json!(1e300));
        assert!(matches!(
            VanillaAutoencoder::<f32>::from_json_str(&json),
            Err(Error::FloatTypeMismatch { .. })
        ));
    }

    #[test]
    fn version_1_files_load_unchecked() {
        let m = model();
        let mut value: serde_json::Value = serde_json::from_str(&m.to_json_string()).unwrap();
        value.as_object_mut().unwrap().remove("checksum");
        value["version"] = 1.into();
        let v1 = value.to_string();
        assert_eq!(VanillaAutoencoder::from_json_str(&v1).unwrap(), m);
        // Version 2 must carry its checksum.
        value["version"] = 2.into();
        assert!(matches!(
            VanillaAutoencoder::<f64, Tanh, Identity>::from_json_str(&value.to_string()),
            Err(Error::CorruptModel { .. })
        ));
    }
}
