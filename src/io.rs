//! Saving and loading models as versioned JSON (feature `serde`).
//!
//! The file format is described at [`MODEL_FORMAT`]. Saving is atomic (see
//! [`write_atomically`]); loading validates everything and never panics.
//!
//! # Examples
//! ```
//! use autoencoder::{Tanh, VanillaAutoencoder};
//!
//! # fn main() -> Result<(), autoencoder::Error> {
//! let model = VanillaAutoencoder::<f32, Tanh>::new(9, 5, 42)?;
//! let json = model.to_json_string();
//! let back = VanillaAutoencoder::<f32, Tanh>::from_json_str(&json)?;
//! assert_eq!(back, model);
//!
//! // The file says which model type it holds; another type is refused.
//! let err = VanillaAutoencoder::<f32>::from_json_str(&json).unwrap_err();
//! assert!(matches!(err, autoencoder::Error::ActivationMismatch { .. }));
//! # Ok(())
//! # }
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{Array1, Array2};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Activation, Error, Float, Result, VanillaAutoencoder};

/// The `format` field of a saved model, which names the kind of file.
///
/// A model saved by [`save_json`](VanillaAutoencoder::save_json) is one JSON object:
///
/// ```text
/// {
///   "format": "autoencoder/vanilla",   MODEL_FORMAT
///   "version": 1,                      MODEL_FORMAT_VERSION
///   "float": "f64",                    "f32" or "f64": the model's F
///   "activation": "sigmoid",           encoder activation, Activation::NAME
///   "output_activation": "sigmoid",    decoder activation
///   "n_inputs": 9,
///   "n_hidden": 5,
///   "w":  [[..9 values..], ..5 rows..], W, [n_hidden, n_inputs], row by row
///   "b1": [..5 values..],              b1, [n_hidden]
///   "b2": [..9 values..]               b2, [n_inputs]
/// }
/// ```
///
/// Values are written as the shortest decimals that read back to the same `f32` or `f64`, so a
/// save and load round trip is exact. Loading checks everything before it builds the model: the
/// size (at most [`MAX_MODEL_BYTES`], checked before parsing), the format name, the version, the
/// float type, both activation names against the type being loaded, every shape, and that every
/// value is finite. Each failure is an [`Error`] variant; malformed input never panics.
///
/// Saving is atomic: the file is written next to the target under a temporary name, synced to
/// disk, then renamed over the target (and on Unix the folder is synced), so a crash at any
/// moment leaves either the old file or the new one, never a mix. A crash may leave a stray
/// temporary file (`.NAME.PID.N.tmp`) beside the target.
///
/// # Examples
/// ```
/// let json = autoencoder::VanillaAutoencoder::<f64>::new(9, 5, 42)?.to_json_string();
/// let value: serde_json::Value = serde_json::from_str(&json).unwrap();
/// assert_eq!(value["format"], autoencoder::MODEL_FORMAT);
/// assert_eq!(value["w"][4].as_array().map(Vec::len), Some(9));
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub const MODEL_FORMAT: &str = "autoencoder/vanilla";

/// The `version` field this release writes, and the only one it reads.
///
/// Loading another version gives [`Error::UnsupportedVersion`].
///
/// # Examples
/// ```
/// assert_eq!(autoencoder::MODEL_FORMAT_VERSION, 1);
/// ```
pub const MODEL_FORMAT_VERSION: u64 = 1;

/// The largest model file (or string, or byte slice) the loaders accept: 256 MiB.
///
/// Larger input is refused with [`Error::ModelTooLarge`] before it is read or parsed. A JSON
/// model takes about 20 bytes per parameter, so this admits models of about ten million
/// parameters (about 30 million in safetensors).
///
/// # Examples
/// ```
/// assert_eq!(autoencoder::MAX_MODEL_BYTES, 256 << 20);
/// ```
pub const MAX_MODEL_BYTES: u64 = 256 * 1024 * 1024;

/// The first fields of every version of the format: read before anything else.
#[derive(Deserialize)]
struct Envelope {
    format: String,
    version: u64,
}

/// The fields of version 1 that say which model type a file holds: checked before the values.
#[derive(Deserialize)]
struct TypeV1 {
    float: String,
    activation: String,
    output_activation: String,
}

/// The file as written by version 1, with values stored as `T` (`f32` or `f64`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFileV1<T> {
    format: String,
    version: u64,
    float: String,
    activation: String,
    output_activation: String,
    n_inputs: usize,
    n_hidden: usize,
    w: Vec<Vec<T>>,
    b1: Vec<T>,
    b2: Vec<T>,
}

/// A float type as stored on disk: `f32` or `f64`, converted exactly to and from `F`.
trait Stored: Copy + Serialize + DeserializeOwned {
    fn from_model<F: Float>(v: F) -> Self;
    fn to_model<F: Float>(self) -> F;
}

impl Stored for f32 {
    fn from_model<F: Float>(v: F) -> Self {
        // Only used when F is f32: the widening and narrowing are exact.
        v.as_f64() as f32
    }
    fn to_model<F: Float>(self) -> F {
        F::cast(f64::from(self))
    }
}

impl Stored for f64 {
    fn from_model<F: Float>(v: F) -> Self {
        v.as_f64()
    }
    fn to_model<F: Float>(self) -> F {
        F::cast(self)
    }
}

/// `"f32"` or `"f64"`: the name of `F`.
pub(crate) fn float_name<F: Float>() -> &'static str {
    // `Float` is sealed and implemented for f32 and f64 only, which differ in size.
    if size_of::<F>() == size_of::<f32>() {
        "f32"
    } else {
        "f64"
    }
}

impl<T: Stored> ModelFileV1<T> {
    fn from_model<F: Float, A: Activation, O: Activation>(
        model: &VanillaAutoencoder<F, A, O>,
    ) -> Self {
        Self {
            format: MODEL_FORMAT.to_owned(),
            version: MODEL_FORMAT_VERSION,
            float: float_name::<F>().to_owned(),
            activation: A::NAME.to_owned(),
            output_activation: O::NAME.to_owned(),
            n_inputs: model.n_inputs(),
            n_hidden: model.n_hidden(),
            w: model
                .w()
                .rows()
                .into_iter()
                .map(|row| row.iter().map(|&v| T::from_model(v)).collect())
                .collect(),
            b1: model.b1().iter().map(|&v| T::from_model(v)).collect(),
            b2: model.b2().iter().map(|&v| T::from_model(v)).collect(),
        }
    }

    fn into_model<F: Float, A: Activation, O: Activation>(
        self,
    ) -> Result<VanillaAutoencoder<F, A, O>> {
        let (n_inputs, n_hidden) = (self.n_inputs, self.n_hidden);
        let found_w_cols = self
            .w
            .iter()
            .map(Vec::len)
            .find(|&len| len != n_inputs)
            .unwrap_or(n_inputs);
        if self.w.len() != n_hidden || found_w_cols != n_inputs {
            return Err(shape_error(
                "W",
                &[n_hidden, n_inputs],
                vec![self.w.len(), found_w_cols],
            ));
        }
        if self.b1.len() != n_hidden {
            return Err(shape_error("b1", &[n_hidden], vec![self.b1.len()]));
        }
        if self.b2.len() != n_inputs {
            return Err(shape_error("b2", &[n_inputs], vec![self.b2.len()]));
        }
        let w: Vec<F> = self.w.into_iter().flatten().map(T::to_model).collect();
        let w = Array2::from_shape_vec((n_hidden, n_inputs), w)
            // Every one of the n_hidden rows was just checked to hold n_inputs values.
            .expect("W has n_hidden rows of n_inputs values");
        let b1 = Array1::from_iter(self.b1.into_iter().map(T::to_model));
        let b2 = Array1::from_iter(self.b2.into_iter().map(T::to_model));
        VanillaAutoencoder::from_parts(w, b1, b2)
    }
}

/// Checks a float type name found in a file against `F`.
pub(crate) fn check_float<F: Float>(found: &str) -> Result<()> {
    let expected = float_name::<F>();
    if found == expected {
        Ok(())
    } else {
        Err(Error::FloatTypeMismatch {
            expected: expected.to_owned(),
            found: found.to_owned(),
        })
    }
}

/// Checks activation names found in a file against `A` (encoder) and `O` (decoder).
pub(crate) fn check_activations<A: Activation, O: Activation>(
    activation: &str,
    output_activation: &str,
) -> Result<()> {
    for (layer, expected, found) in [
        ("encoder", A::NAME, activation),
        ("decoder", O::NAME, output_activation),
    ] {
        if found != expected {
            return Err(Error::ActivationMismatch {
                layer,
                expected: expected.to_owned(),
                found: found.to_owned(),
            });
        }
    }
    Ok(())
}

/// A [`Error::ParameterShapeMismatch`] for parameter `name`.
pub(crate) fn shape_error(name: &'static str, expected: &[usize], found: Vec<usize>) -> Error {
    Error::ParameterShapeMismatch {
        name,
        expected: format!("{expected:?}"),
        found,
    }
}

/// Refuses input longer than [`MAX_MODEL_BYTES`].
pub(crate) fn check_size(bytes: usize) -> Result<()> {
    // usize always fits in u64 on supported targets; saturate rather than wrap if it ever does not.
    let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
    if bytes > MAX_MODEL_BYTES {
        return Err(Error::ModelTooLarge {
            bytes,
            limit: MAX_MODEL_BYTES,
        });
    }
    Ok(())
}

fn corrupt(reason: impl std::fmt::Display) -> Error {
    Error::CorruptModel {
        reason: reason.to_string(),
    }
}

/// An [`Error::Io`] for `action` on `path`.
pub(crate) fn io_error(err: &std::io::Error, action: &str, path: &Path) -> Error {
    Error::Io {
        kind: err.kind(),
        message: format!("cannot {action} {}: {err}", path.display()),
    }
}

/// Reads a whole file, refusing one larger than [`MAX_MODEL_BYTES`] before reading it.
pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| io_error(&e, "open", path))?;
    let len = file
        .metadata()
        .map_err(|e| io_error(&e, "inspect", path))?
        .len();
    if len > MAX_MODEL_BYTES {
        return Err(Error::ModelTooLarge {
            bytes: len,
            limit: MAX_MODEL_BYTES,
        });
    }
    // The length can be wrong (a growing file, a device): never read more than the limit + 1.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(MAX_MODEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&e, "read", path))?;
    check_size(bytes.len())?;
    Ok(bytes)
}

/// Replaces `path` with `bytes` atomically: a crash leaves the old content or the new one.
///
/// Writes a temporary file in the same folder, flushes and syncs it, renames it over `path`,
/// then (on Unix) syncs the folder so that the rename itself is durable.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    /// Distinguishes concurrent saves of one process.
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let Some(file_name) = path.file_name() else {
        return Err(Error::Io {
            kind: std::io::ErrorKind::InvalidInput,
            message: format!("cannot save to {}: not a file path", path.display()),
        });
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut attempts = 0;
    let (tmp_path, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(file_name);
        tmp_name.push(format!(".{}.{n}.tmp", std::process::id()));
        let tmp_path = dir.join(tmp_name);
        // `create_new` never follows or clobbers an existing file (a stale one from a crash).
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
        {
            Ok(file) => break (tmp_path, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => return Err(io_error(&e, "create", &tmp_path)),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&e, "write", &tmp_path))
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp_path, path).map_err(|e| io_error(&e, "replace", path))
        });
    if written.is_err() {
        // Best effort: the error being returned matters more than a stray temporary file.
        let _ = fs::remove_file(&tmp_path);
    }
    written?;
    sync_dir(dir)
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(&e, "sync folder", dir))
}

/// Windows commits renames with the file system's metadata; folders cannot be opened to sync.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
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
    /// assert!(json.starts_with(r#"{"format":"autoencoder/vanilla","version":1,"float":"f64""#));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn to_json_string(&self) -> String {
        let json = if float_name::<F>() == "f32" {
            serde_json::to_string(&ModelFileV1::<f32>::from_model(self))
        } else {
            serde_json::to_string(&ModelFileV1::<f64>::from_model(self))
        };
        // Serialising a struct of strings, integers and finite floats cannot fail.
        json.expect("a model always serialises to JSON")
    }

    /// Reads a model from a JSON document written by [`to_json_string`](Self::to_json_string)
    /// or [`save_json`](Self::save_json), for this exact float type and activations.
    ///
    /// # Errors
    /// [`Error::ModelTooLarge`] above [`MAX_MODEL_BYTES`](crate::MAX_MODEL_BYTES);
    /// [`Error::CorruptModel`] for truncated or malformed JSON, another format name, a missing,
    /// extra or mistyped field, or a number out of the float type's range (JSON has no NaN or
    /// infinity, so every value that loads is finite); [`Error::UnsupportedVersion`];
    /// [`Error::FloatTypeMismatch`]; [`Error::ActivationMismatch`];
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
        check_size(json.len())?;
        let envelope: Envelope = serde_json::from_slice(json).map_err(corrupt)?;
        if envelope.format != MODEL_FORMAT {
            return Err(corrupt(format_args!(
                "format is {:?}, expected {MODEL_FORMAT:?}",
                envelope.format
            )));
        }
        if envelope.version != MODEL_FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                found: envelope.version,
                supported: MODEL_FORMAT_VERSION,
            });
        }
        // Another float type could hold values out of F's range: check the type first.
        let kind: TypeV1 = serde_json::from_slice(json).map_err(corrupt)?;
        check_float::<F>(&kind.float)?;
        check_activations::<A, O>(&kind.activation, &kind.output_activation)?;
        if float_name::<F>() == "f32" {
            serde_json::from_slice::<ModelFileV1<f32>>(json)
                .map_err(corrupt)?
                .into_model()
        } else {
            serde_json::from_slice::<ModelFileV1<f64>>(json)
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
        let mut json = self.to_json_string();
        json.push('\n');
        write_atomically(path.as_ref(), json.as_bytes())
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
        Self::from_json_slice(&read_limited(path.as_ref())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Identity, Sigmoid, Tanh};

    fn model() -> VanillaAutoencoder<f64, Tanh, Identity> {
        VanillaAutoencoder::new(4, 3, 9).unwrap()
    }

    fn edit(json: &str, f: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
        f(&mut value);
        value.to_string()
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
            load(edit(&json, |v| v["version"] = 2.into())),
            Error::UnsupportedVersion {
                found: 2,
                supported: 1
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
    fn float_name_tells_f32_from_f64() {
        assert_eq!(float_name::<f32>(), "f32");
        assert_eq!(float_name::<f64>(), "f64");
    }

    #[test]
    fn size_limit_is_inclusive() {
        let limit = usize::try_from(MAX_MODEL_BYTES).unwrap();
        assert!(check_size(limit).is_ok());
        assert!(matches!(
            check_size(limit + 1),
            Err(Error::ModelTooLarge { bytes, limit: MAX_MODEL_BYTES }) if bytes == MAX_MODEL_BYTES + 1
        ));
    }
}
