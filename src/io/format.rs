//! The model file format: names, versions and the size limit, the checks every loader makes, and
//! the readers of stored values.

use std::borrow::Cow;
use std::marker::PhantomData;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::seal::open_sealed;
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Float;
#[cfg(doc)]
use crate::model::VanillaAutoencoder;
#[cfg(doc)]
use crate::stacked::StackedAutoencoder;
#[cfg(doc)]
use crate::train::state::TrainState;
#[cfg(doc)]
use crate::untied::UntiedAutoencoder;

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
pub(super) const UNSEALED_VERSION: u64 = 1;

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
/// `{n_inputs, n_hidden, w, b1, b2}` objects, bottom level first (each with `v`,
/// `[n_inputs][n_hidden]`, in a stack of untied levels), and the `checksum`. Version
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

/// The fields of version 1 that say which model type a file holds: checked before the values.
#[derive(Deserialize)]
pub(super) struct TypeV1 {
    pub(super) float: String,
    pub(super) activation: String,
    pub(super) output_activation: String,
}

/// One level's `(W, b1, b2)`.
pub(super) type LevelParts<F> = (Array2<F>, Array1<F>, Array1<F>);

/// A float type as stored on disk: `f32` or `f64`, converted exactly to and from `F`.
pub(super) trait Stored: Copy + Serialize + DeserializeOwned {
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

/// One level as stored: shapes and parameters, `W` row by row, and an untied level's `V`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LevelV1<T, W = Vec<Vec<T>>> {
    pub(super) n_inputs: usize,
    pub(super) n_hidden: usize,
    pub(super) w: W,
    pub(super) b1: Vec<T>,
    pub(super) b2: Vec<T>,
    #[serde(default = "absent", skip_serializing_if = "Option::is_none")]
    pub(super) v: Option<W>,
}

/// A field that may be missing (a tied level's `V`).
fn absent<W>() -> Option<W> {
    None
}

/// A level as read: `W` kept as its text until the shapes are known, then parsed straight into
/// one buffer of the right size (no row vectors, no second copy).
pub(super) type RawLevel<'a, T> = LevelV1<T, &'a serde_json::value::RawValue>;

impl<T: Stored> LevelV1<T> {
    pub(super) fn from_parts<F: Float>(
        w: ArrayView2<'_, F>,
        b1: ArrayView1<'_, F>,
        b2: ArrayView1<'_, F>,
        v: Option<ArrayView2<'_, F>>,
    ) -> Self {
        Self {
            n_inputs: w.ncols(),
            n_hidden: w.nrows(),
            w: rows_of(w),
            b1: b1.iter().map(|&v| T::from_model(v)).collect(),
            b2: b2.iter().map(|&v| T::from_model(v)).collect(),
            v: v.map(rows_of),
        }
    }
}

impl<T: Stored> RawLevel<'_, T> {
    /// `V` of an untied level, after checking its shape, and the other parameters.
    pub(super) fn into_parts_and_v<F: Float>(
        mut self,
    ) -> Result<(LevelParts<F>, Option<Array2<F>>)> {
        let v = self.v.take();
        let v = v
            .map(|v| read_matrix::<T, F>(v, (self.n_inputs, self.n_hidden), "V"))
            .transpose()?;
        Ok((self.into_parts()?, v))
    }

    /// The parameters, after checking every shape against `n_inputs` and `n_hidden`.
    pub(super) fn into_parts<F: Float>(self) -> Result<LevelParts<F>> {
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

/// A matrix as stored: row by row.
pub(super) fn rows_of<T: Stored, F: Float>(m: ArrayView2<'_, F>) -> Vec<Vec<T>> {
    m.rows()
        .into_iter()
        .map(|row| row.iter().map(|&v| T::from_model(v)).collect())
        .collect()
}

/// The matrix `name` of shape `(rows, cols)` from its JSON text (a list of rows), parsed straight
/// into one buffer, or [`Error::ParameterShapeMismatch`] / [`Error::CorruptModel`].
pub(super) fn read_matrix<T: Stored, F: Float>(
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

/// Checks the size, format name, version, checksum, float type and activations of a JSON model
/// file before its values are read (another float type could hold values out of `F`'s range):
/// the text to parse.
pub(super) fn open_model<'a, F: Float, A: Activation, O: Activation>(
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

pub(super) fn corrupt(reason: impl std::fmt::Display) -> Error {
    Error::CorruptModel {
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
