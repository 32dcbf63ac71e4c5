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

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::train::trainer::Trainable;
use crate::{
    Activation, Error, Float, Result, StackedAutoencoder, TrainState, UntiedAutoencoder,
    VanillaAutoencoder,
};

/// The `format` field of a saved model, which names the kind of file.
///
/// A model saved by [`save_json`](VanillaAutoencoder::save_json) is one JSON object:
///
/// ```text
/// {
///   "format": "autoencoder/vanilla",   MODEL_FORMAT
///   "version": 2,                      MODEL_FORMAT_VERSION
///   "float": "f64",                    "f32" or "f64": the model's F
///   "activation": "sigmoid",           encoder activation, Activation::NAME
///   "output_activation": "sigmoid",    decoder activation
///   "n_inputs": 9,
///   "n_hidden": 5,
///   "w":  [[..9 values..], ..5 rows..], W, [n_hidden, n_inputs], row by row
///   "b1": [..5 values..],              b1, [n_hidden]
///   "b2": [..9 values..],              b2, [n_inputs]
///   "checksum": "crc32:89abcdef"       always the last member, written exactly so
/// }
/// ```
///
/// The file is compact JSON (no spaces) and ends with a newline. `checksum` seals it: its value
/// is the CRC-32 (IEEE, as in zlib and PNG) of the file's bytes from the opening `{` up to the
/// comma before `"checksum"`, in eight lower-case hexadecimal digits. Loading recomputes it and
/// refuses any change to those bytes with [`Error::ChecksumMismatch`], so a damaged file is an
/// error rather than a different model. Version 1 files (the same document without `checksum`)
/// still load, unchecked.
///
/// Values are written as the shortest decimals that read back to the same `f32` or `f64`, so a
/// save and load round trip is exact. Loading checks everything before it builds the model: the
/// size (at most [`MAX_MODEL_BYTES`], checked before parsing), the format name, the version, the
/// float type, the checksum, both activation names against the type being loaded, every shape,
/// and that every value is finite. Each failure is an [`Error`] variant; malformed input never panics.
///
/// Saving is atomic: the file is written next to the target under a temporary name, synced to
/// disk, then renamed over the target (and on Unix the folder is synced), so a crash at any
/// moment leaves either the old file or the new one, never a mix. A crash may leave a stray
/// temporary file (`.NAME.PID.N.tmp`, the name cut to 128 bytes) beside the target.
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

/// The `version` field this release writes for models, stacks and checkpoints.
///
/// Version 2 adds the `checksum` member (see [`MODEL_FORMAT`]). This release reads version 2 and
/// version 1 (which has no checksum, and is read unchecked); another version gives
/// [`Error::UnsupportedVersion`].
///
/// # Examples
/// ```
/// assert_eq!(autoencoder::MODEL_FORMAT_VERSION, 2);
/// ```
pub const MODEL_FORMAT_VERSION: u64 = 2;

/// The version that models, stacks and checkpoints had before they carried a checksum.
const UNSEALED_VERSION: u64 = 1;

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

/// Format name of a saved [`StackedAutoencoder`]: the same header as [`MODEL_FORMAT`]
/// (`format`, `version`, `float`, `activation`, `output_activation`), then `levels`, a list of
/// `{n_inputs, n_hidden, w, b1, b2}` objects, bottom level first, and the `checksum`. Version
/// [`MODEL_FORMAT_VERSION`].
pub const STACKED_FORMAT: &str = "autoencoder/stacked";

/// Format name of a saved [`UntiedAutoencoder`]: the header of [`MODEL_FORMAT`], then
/// `n_inputs`, `n_hidden`, `w` (`[n_hidden][n_inputs]`), `v` (`[n_inputs][n_hidden]`), `b1`,
/// `b2` and the `checksum`. Version [`MODEL_FORMAT_VERSION`].
pub const UNTIED_FORMAT: &str = "autoencoder/untied";

/// Format name of a training checkpoint: `{format, version, model, state, checksum}`, where
/// `model` is a saved model (either format above, with its own checksum) and `state` the
/// [`TrainState`] to resume from; the outer checksum covers everything before it. Version
/// [`MODEL_FORMAT_VERSION`].
pub const CHECKPOINT_FORMAT: &str = "autoencoder/checkpoint";

/// A checkpoint (versions 1 and 2, the seal aside); the model is kept as raw JSON and read by
/// its own loader.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointV1<M, S> {
    format: String,
    version: u64,
    model: M,
    state: S,
}

/// Writes `model_json` and `state` as a checkpoint to `path`, atomically.
fn save_checkpoint<F: Float + Serialize>(
    path: &Path,
    model_json: String,
    state: &TrainState<F>,
) -> Result<()> {
    let model: Box<serde_json::value::RawValue> =
        serde_json::value::RawValue::from_string(model_json).map_err(corrupt)?;
    let file = CheckpointV1 {
        format: CHECKPOINT_FORMAT.to_owned(),
        version: MODEL_FORMAT_VERSION,
        model,
        state,
    };
    write_json_file(path, to_sealed_json(&file)?)
}

/// Reads a checkpoint: the model through `load_model`, then the state, checked against the
/// model's level shapes.
fn load_checkpoint<F, M>(
    path: &Path,
    load_model: impl FnOnce(&[u8]) -> Result<M>,
) -> Result<(M, TrainState<F>)>
where
    F: Float + DeserializeOwned,
    M: Trainable<F>,
{
    let body = open_sealed(
        Cow::Owned(read_limited(path)?),
        CHECKPOINT_FORMAT,
        MODEL_FORMAT_VERSION,
        Some(UNSEALED_VERSION),
    )?;
    // Both parts stay text until their own parsers read them: no intermediate tree of values.
    let file: CheckpointV1<&serde_json::value::RawValue, &serde_json::value::RawValue> =
        serde_json::from_slice(&body).map_err(corrupt)?;
    let model = load_model(file.model.get().as_bytes())?;
    let state: TrainState<F> = serde_json::from_str(file.state.get()).map_err(corrupt)?;
    state.check(&model.block_shapes()).map_err(corrupt)?;
    Ok((model, state))
}

/// The seal: `,"checksum":"crc32:` + eight lower-case hex digits + `"}`, the end of a document.
const SEAL_HEAD: &[u8] = b",\"checksum\":\"crc32:";
const SEAL_LEN: usize = SEAL_HEAD.len() + 8 + 2;

/// Serialises `doc` (which must serialise as a JSON object with at least one member) as compact
/// JSON sealed with a checksum: the CRC-32 of the text up to the new last member,
/// `"checksum":"crc32:XXXXXXXX"`. [`from_sealed_json`] and [`load_sealed_json`] verify it.
///
/// # Errors
/// [`Error::CorruptModel`] when `doc` does not serialise to a non-empty JSON object.
pub(crate) fn to_sealed_json<T: Serialize + ?Sized>(doc: &T) -> Result<String> {
    let mut json = serde_json::to_string(doc).map_err(corrupt)?;
    if !(json.len() > 2 && json.starts_with('{') && json.ends_with('}')) {
        return Err(corrupt("only a non-empty JSON object can be sealed"));
    }
    json.pop();
    let sum = crc32fast::hash(json.as_bytes());
    // Writing to a String cannot fail.
    write!(json, ",\"checksum\":\"crc32:{sum:08x}\"}}").expect("formatting into a String");
    Ok(json)
}

/// Reads a sealed document of kind `format`, version `version` (written by
/// [`to_sealed_json`]): checks the size, the format name and the version, verifies the checksum,
/// then parses `T` (which sees the document without its `checksum` member).
///
/// # Errors
/// [`Error::ModelTooLarge`]; [`Error::CorruptModel`] for malformed JSON, another format name, a
/// missing or malformed checksum, or a document `T` refuses; [`Error::UnsupportedVersion`];
/// [`Error::ChecksumMismatch`].
pub(crate) fn from_sealed_json<T: DeserializeOwned>(
    json: &[u8],
    format: &str,
    version: u64,
) -> Result<T> {
    let body = open_sealed(Cow::Borrowed(json), format, version, None)?;
    serde_json::from_slice(&body).map_err(corrupt)
}

/// As [`from_sealed_json`], from a file read with [`read_limited`] (without copying it).
///
/// # Errors
/// [`Error::Io`], and as [`from_sealed_json`].
pub(crate) fn load_sealed_json<T: DeserializeOwned>(
    path: &Path,
    format: &str,
    version: u64,
) -> Result<T> {
    let body = open_sealed(Cow::Owned(read_limited(path)?), format, version, None)?;
    serde_json::from_slice(&body).map_err(corrupt)
}

/// Checks the size, format name and version of a JSON document, then its checksum: the text to
/// parse, which is the document without its `checksum` member (the input as it is for the
/// `unsealed` version, which has none).
///
/// The version is checked before the seal, so that a later version (which may seal otherwise)
/// is reported as such.
pub(crate) fn open_sealed<'a>(
    json: Cow<'a, [u8]>,
    format: &str,
    version: u64,
    unsealed: Option<u64>,
) -> Result<Cow<'a, [u8]>> {
    check_size(json.len())?;
    let envelope: Envelope = serde_json::from_slice(&json).map_err(corrupt)?;
    if envelope.format != format {
        return Err(corrupt(format_args!(
            "format is {:?}, expected {format:?}",
            envelope.format
        )));
    }
    if unsealed == Some(envelope.version) {
        return Ok(json);
    }
    if envelope.version != version {
        return Err(Error::UnsupportedVersion {
            found: envelope.version,
            supported: version,
        });
    }
    let cut = unseal(&json)?;
    Ok(match json {
        Cow::Borrowed(json) => {
            let mut body = Vec::with_capacity(cut + 1);
            body.extend_from_slice(&json[..cut]);
            body.push(b'}');
            Cow::Owned(body)
        }
        Cow::Owned(mut body) => {
            body.truncate(cut);
            body.push(b'}');
            Cow::Owned(body)
        }
    })
}

/// Verifies the seal at the end of a JSON document (which has parsed): where the checksum member
/// starts.
fn unseal(json: &[u8]) -> Result<usize> {
    let text = json.trim_ascii_end();
    let missing = || corrupt("the checksum is missing or malformed (it must be the last member)");
    let cut = text.len().checked_sub(SEAL_LEN).ok_or_else(missing)?;
    let (body, seal) = text.split_at(cut);
    let digits = seal
        .strip_prefix(SEAL_HEAD)
        .and_then(|rest| rest.strip_suffix(b"\"}"))
        .filter(|d| {
            d.iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        })
        .ok_or_else(missing)?;
    let expected = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| u32::from_str_radix(d, 16).ok())
        // Eight hexadecimal digits always make a u32.
        .expect("eight hex digits");
    let found = crc32fast::hash(body);
    if expected != found {
        return Err(Error::ChecksumMismatch { expected, found });
    }
    Ok(cut)
}

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

/// One level's `(W, b1, b2)`.
type LevelParts<F> = (Array2<F>, Array1<F>, Array1<F>);

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

/// One tied level as stored: shapes and parameters, `W` row by row.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelV1<T, W = Vec<Vec<T>>> {
    n_inputs: usize,
    n_hidden: usize,
    w: W,
    b1: Vec<T>,
    b2: Vec<T>,
}

/// A level as read: `W` kept as its text until the shapes are known, then parsed straight into
/// one buffer of the right size (no row vectors, no second copy).
type RawLevel<'a, T> = LevelV1<T, &'a serde_json::value::RawValue>;

impl<T: Stored> LevelV1<T> {
    fn from_parts<F: Float>(
        w: ArrayView2<'_, F>,
        b1: ArrayView1<'_, F>,
        b2: ArrayView1<'_, F>,
    ) -> Self {
        Self {
            n_inputs: w.ncols(),
            n_hidden: w.nrows(),
            w: w.rows()
                .into_iter()
                .map(|row| row.iter().map(|&v| T::from_model(v)).collect())
                .collect(),
            b1: b1.iter().map(|&v| T::from_model(v)).collect(),
            b2: b2.iter().map(|&v| T::from_model(v)).collect(),
        }
    }
}

impl<T: Stored> RawLevel<'_, T> {
    /// The parameters, after checking every shape against `n_inputs` and `n_hidden`.
    fn into_parts<F: Float>(self) -> Result<LevelParts<F>> {
        let (n_inputs, n_hidden) = (self.n_inputs, self.n_hidden);
        if self.b1.len() != n_hidden {
            return Err(shape_error("b1", &[n_hidden], vec![self.b1.len()]));
        }
        if self.b2.len() != n_inputs {
            return Err(shape_error("b2", &[n_inputs], vec![self.b2.len()]));
        }
        let w = read_matrix::<T, F>(self.w, (n_hidden, n_inputs), "W")?;
        let b1 = Array1::from_iter(self.b1.into_iter().map(T::to_model));
        let b2 = Array1::from_iter(self.b2.into_iter().map(T::to_model));
        Ok((w, b1, b2))
    }
}

/// The matrix `name` of shape `(rows, cols)` from its JSON text (a list of rows), parsed straight
/// into one buffer, or [`Error::ParameterShapeMismatch`] / [`Error::CorruptModel`].
fn read_matrix<T: Stored, F: Float>(
    raw: &serde_json::value::RawValue,
    (rows, cols): (usize, usize),
    name: &'static str,
) -> Result<Array2<F>> {
    let text = raw.get();
    // Each value takes at least two bytes of text (a digit, then a comma or a bracket): a
    // shape claiming more values than that is wrong, and nothing is reserved for it.
    let claimed = rows.checked_mul(cols).filter(|&n| n <= text.len() / 2);
    let mut values = Vec::with_capacity(claimed.unwrap_or(0));
    let mut de = serde_json::Deserializer::from_str(text);
    let found = RowsInto::<T, F> {
        out: &mut values,
        n_cols: cols,
        stored: PhantomData,
    }
    .deserialize(&mut de)
    .and_then(|found| de.end().map(|()| found))
    .map_err(corrupt)?;
    if found.rows != rows || found.other_len.is_some() {
        return Err(shape_error(
            name,
            &[rows, cols],
            vec![found.rows, found.other_len.unwrap_or(cols)],
        ));
    }
    // Every one of the rows was just checked to hold `cols` values.
    Ok(Array2::from_shape_vec((rows, cols), values).expect("rows of `cols` values"))
}

/// What [`RowsInto`] found: the number of rows, and the length of the first row whose length
/// was not the expected one.
struct RowsFound {
    rows: usize,
    other_len: Option<usize>,
}

/// Reads a list of rows of `T` into one row-major buffer of `F`, appending.
struct RowsInto<'v, T, F> {
    out: &'v mut Vec<F>,
    n_cols: usize,
    stored: PhantomData<fn() -> T>,
}

impl<'de, T: Stored, F: Float> DeserializeSeed<'de> for RowsInto<'_, T, F> {
    type Value = RowsFound;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> std::result::Result<RowsFound, D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de, T: Stored, F: Float> Visitor<'de> for RowsInto<'_, T, F> {
    type Value = RowsFound;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of rows of numbers")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut rows: S) -> std::result::Result<RowsFound, S::Error> {
        let mut found = RowsFound {
            rows: 0,
            other_len: None,
        };
        while let Some(len) = rows.next_element_seed(RowInto::<T, F> {
            out: &mut *self.out,
            stored: PhantomData,
        })? {
            if len != self.n_cols && found.other_len.is_none() {
                found.other_len = Some(len);
            }
            found.rows += 1;
        }
        Ok(found)
    }
}

/// Reads one row of `T` onto the end of a buffer of `F`: the number of values read.
struct RowInto<'v, T, F> {
    out: &'v mut Vec<F>,
    stored: PhantomData<fn() -> T>,
}

impl<'de, T: Stored, F: Float> DeserializeSeed<'de> for RowInto<'_, T, F> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> std::result::Result<usize, D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de, T: Stored, F: Float> Visitor<'de> for RowInto<'_, T, F> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a row of numbers")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut row: S) -> std::result::Result<usize, S::Error> {
        let mut len = 0;
        while let Some(v) = row.next_element::<T>()? {
            self.out.push(v.to_model());
            len += 1;
        }
        Ok(len)
    }
}

impl<T: Stored> ModelFileV1<T> {
    fn from_model<F: Float, A: Activation, O: Activation>(
        model: &VanillaAutoencoder<F, A, O>,
    ) -> Self {
        let level = LevelV1::from_parts(model.w(), model.b1(), model.b2());
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
        };
        let (w, b1, b2) = level.into_parts()?;
        VanillaAutoencoder::from_parts(w, b1, b2)
    }
}

/// Checks the size, format name, version, checksum, float type and activations of a JSON model
/// file before its values are read (another float type could hold values out of `F`'s range):
/// the text to parse.
fn open_model<'a, F: Float, A: Activation, O: Activation>(
    json: Cow<'a, [u8]>,
    format: &str,
) -> Result<Cow<'a, [u8]>> {
    let body = open_sealed(json, format, MODEL_FORMAT_VERSION, Some(UNSEALED_VERSION))?;
    let kind: TypeV1 = serde_json::from_slice(&body).map_err(corrupt)?;
    check_float::<F>(&kind.float)?;
    check_activations::<A, O>(&kind.activation, &kind.output_activation)?;
    Ok(body)
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

/// Writes a JSON document and a final newline to `path`, atomically.
pub(crate) fn write_json_file(path: &Path, mut json: String) -> Result<()> {
    json.push('\n');
    write_atomically(path, json.as_bytes())
}

/// The longest part of a target's file name that its temporary name repeats: with the leading
/// dot, the process id, a counter and `.tmp` (at most 37 bytes more), a temporary name stays
/// under 255 bytes, the longest name most file systems accept.
const TMP_NAME_PREFIX_BYTES: usize = 128;

/// Replaces `path` with `bytes` atomically: a crash leaves the old content or the new one.
///
/// Writes a temporary file `.PREFIX.PID.N.tmp` (`PREFIX`: the target's name, cut to at most
/// [`TMP_NAME_PREFIX_BYTES`] bytes) in the same folder, flushes and syncs it, renames it over `path`,
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
    // The temporary name starts with (a prefix of) the target's, so that a stray one is easy to
    // place, but stays within the 255 bytes that file systems allow for a name.
    let name = file_name.to_string_lossy();
    let mut end = name.len().min(TMP_NAME_PREFIX_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let mut attempts = 0;
    let (tmp_path, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp_path = dir.join(format!(".{}.{}.{n}.tmp", &name[..end], std::process::id()));
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
                        LevelV1::from_parts(w, b1, b2)
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
        fn levels<T: Stored, F: Float>(json: &[u8]) -> Result<Vec<LevelParts<F>>> {
            let file: StackedFileV1<T, _> = serde_json::from_slice(json).map_err(corrupt)?;
            file.levels.into_iter().map(RawLevel::into_parts).collect()
        }
        let json = open_model::<F, A, O>(json, STACKED_FORMAT)?;
        let parts = if float_name::<F>() == "f32" {
            levels::<f32, F>(&json)?
        } else {
            levels::<f64, F>(&json)?
        };
        Self::from_levels(parts)
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

fn rows_of<T: Stored, F: Float>(m: ArrayView2<'_, F>) -> Vec<Vec<T>> {
    m.rows()
        .into_iter()
        .map(|row| row.iter().map(|&v| T::from_model(v)).collect())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Identity, Sigmoid, Tanh};

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
    fn float_name_tells_f32_from_f64() {
        assert_eq!(float_name::<f32>(), "f32");
        assert_eq!(float_name::<f64>(), "f64");
    }

    #[test]
    fn sealing_appends_the_checksum_of_the_text_before_it() {
        let json = to_sealed_json(&serde_json::json!({"format": "x", "version": 1})).unwrap();
        let body = r#"{"format":"x","version":1"#;
        let sum = crc32fast::hash(body.as_bytes());
        assert_eq!(json, format!(r#"{body},"checksum":"crc32:{sum:08x}"}}"#));
        let back: serde_json::Value = from_sealed_json(json.as_bytes(), "x", 1).unwrap();
        assert_eq!(back, serde_json::json!({"format": "x", "version": 1}));
        // Trailing white space is not part of the document.
        assert!(
            from_sealed_json::<serde_json::Value>(format!("{json}\n\t ").as_bytes(), "x", 1)
                .is_ok()
        );
        for not_an_object in [
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!(1),
        ] {
            assert!(to_sealed_json(&not_an_object).is_err());
        }
    }

    #[test]
    fn each_seal_failure_has_its_error() {
        let json =
            to_sealed_json(&serde_json::json!({"format": "x", "version": 1, "a": 5})).unwrap();
        let open = |s: &str| from_sealed_json::<serde_json::Value>(s.as_bytes(), "x", 1);
        assert!(matches!(
            open(&json.replace("\"a\":5", "\"a\":6")),
            Err(Error::ChecksumMismatch { .. })
        ));
        let digits = json.len() - 10..json.len() - 2;
        let upper = json.replace(&json[digits.clone()], &json[digits].to_uppercase());
        // Only lower-case digits are written, and only they are read.
        if upper != json {
            assert!(matches!(open(&upper), Err(Error::CorruptModel { .. })));
        }
        let unsealed = r#"{"format":"x","version":1,"a":5}"#;
        assert!(matches!(open(unsealed), Err(Error::CorruptModel { .. })));
        assert!(matches!(
            from_sealed_json::<serde_json::Value>(json.as_bytes(), "y", 1),
            Err(Error::CorruptModel { .. })
        ));
        assert!(matches!(
            from_sealed_json::<serde_json::Value>(json.as_bytes(), "x", 2),
            Err(Error::UnsupportedVersion {
                found: 1,
                supported: 2
            })
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
