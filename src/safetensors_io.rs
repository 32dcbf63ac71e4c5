//! Export and import as safetensors (feature `safetensors`, which implies `serde`).
//!
//! A model is three little-endian, row-major tensors: `W` `[n_hidden, n_inputs]`, `b1`
//! `[n_hidden]` and `b2` `[n_inputs]`, of dtype `F32` or `F64` as the model's `F`. The
//! `__metadata__` holds `format`, `version`, `activation`, `output_activation` and `checksum`;
//! import checks the activation names and the checksum when they are present, so files from other
//! tools (which have none) load.
//!
//! `checksum` is `crc32:` and eight lower-case hexadecimal digits: the CRC-32 (IEEE) of the data
//! of `W`, `b1` and `b2`, in that order, as stored. A changed value is then
//! [`Error::ChecksumMismatch`]; the header itself is checked by its structure (the shapes against
//! the data's length, the dtypes, the activation names).

use std::collections::HashMap;
use std::path::Path;

use ndarray::{Array1, Array2};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::io::{MODEL_FORMAT, MODEL_FORMAT_VERSION};
use crate::io::{
    check_activations, check_size, float_name, read_limited, shape_error, write_atomically,
};
use crate::model::VanillaAutoencoder;

/// The tensor names, in the order `from_parts` takes them.
const NAMES: [&str; 3] = ["W", "b1", "b2"];

/// The safetensors dtype of `F`.
fn dtype<F: Float>() -> Dtype {
    if float_name::<F>() == "f32" {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

/// Little-endian bytes of `values`, as `F32` or `F64`.
fn to_bytes<F: Float>(values: impl Iterator<Item = F>) -> Vec<u8> {
    let mut bytes = Vec::new();
    for v in values {
        if dtype::<F>() == Dtype::F32 {
            // Exact: F is f32 here.
            bytes.extend_from_slice(&(v.as_f64() as f32).to_le_bytes());
        } else {
            bytes.extend_from_slice(&v.as_f64().to_le_bytes());
        }
    }
    bytes
}

/// The CRC-32 of the tensors' bytes, in order.
fn checksum(parts: &[&[u8]]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()
}

/// The values of a tensor whose dtype was checked to be that of `F`.
fn from_bytes<F: Float>(bytes: &[u8]) -> Vec<F> {
    if dtype::<F>() == Dtype::F32 {
        bytes
            .chunks_exact(4)
            // chunks_exact(4) yields 4-byte slices only.
            .map(|c| {
                F::cast(f64::from(f32::from_le_bytes(
                    c.try_into().expect("4 bytes"),
                )))
            })
            .collect()
    } else {
        bytes
            .chunks_exact(8)
            // chunks_exact(8) yields 8-byte slices only.
            .map(|c| F::cast(f64::from_le_bytes(c.try_into().expect("8 bytes"))))
            .collect()
    }
}

/// safetensors export and import (feature `safetensors`).
impl<F: Float, A: Activation, O: Activation> VanillaAutoencoder<F, A, O> {
    /// The model as a safetensors file in memory: tensors `W`, `b1`, `b2` of dtype `F32` or
    /// `F64`, with the format and activation names in `__metadata__`.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// let model = VanillaAutoencoder::<f32>::new(9, 5, 42)?;
    /// let bytes = model.to_safetensors_bytes();
    /// assert_eq!(VanillaAutoencoder::<f32>::from_safetensors_bytes(&bytes)?, model);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn to_safetensors_bytes(&self) -> Vec<u8> {
        let w = to_bytes(self.w().iter().copied());
        let b1 = to_bytes(self.b1().iter().copied());
        let b2 = to_bytes(self.b2().iter().copied());
        let shapes = [
            vec![self.n_hidden(), self.n_inputs()],
            vec![self.n_hidden()],
            vec![self.n_inputs()],
        ];
        let tensors = NAMES
            .iter()
            .zip(shapes)
            .zip([&w, &b1, &b2])
            .map(|((&name, shape), data)| {
                // Each buffer holds exactly product(shape) values of the dtype.
                (
                    name,
                    TensorView::new(dtype::<F>(), shape, data).expect("buffer matches its shape"),
                )
            });
        let metadata = HashMap::from([
            (
                "checksum".to_owned(),
                format!("crc32:{:08x}", checksum(&[&w, &b1, &b2])),
            ),
            ("format".to_owned(), MODEL_FORMAT.to_owned()),
            ("version".to_owned(), MODEL_FORMAT_VERSION.to_string()),
            ("activation".to_owned(), A::NAME.to_owned()),
            ("output_activation".to_owned(), O::NAME.to_owned()),
        ]);
        // Three valid views and a small header: nothing here can exceed the crate's limits.
        safetensors::serialize(tensors, Some(metadata)).expect("a model always serialises")
    }

    /// Reads a model from safetensors bytes holding exactly the tensors `W` `[n_hidden,
    /// n_inputs]`, `b1` `[n_hidden]` and `b2` `[n_inputs]` of `F`'s dtype (`F32` or `F64`).
    ///
    /// `__metadata__` is optional; when it names activations they must be `A` and `O`.
    ///
    /// # Errors
    /// [`Error::ModelTooLarge`] above [`MAX_MODEL_BYTES`](crate::MAX_MODEL_BYTES);
    /// [`Error::CorruptModel`] when the bytes are not a valid safetensors file (truncated, bad
    /// header, bad offsets); [`Error::ActivationMismatch`]; [`Error::UnexpectedTensor`] and
    /// [`Error::MissingTensor`]; [`Error::FloatTypeMismatch`] for another dtype;
    /// [`Error::ParameterShapeMismatch`]; and from [`from_parts`](Self::from_parts),
    /// [`Error::InconsistentParts`] for a zero size and [`Error::NonFiniteParameter`].
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Error, VanillaAutoencoder};
    /// let bytes = VanillaAutoencoder::<f32>::new(9, 5, 42)?.to_safetensors_bytes();
    /// assert!(matches!(
    ///     VanillaAutoencoder::<f64>::from_safetensors_bytes(&bytes),
    ///     Err(Error::FloatTypeMismatch { .. })
    /// ));
    /// assert!(matches!(
    ///     VanillaAutoencoder::<f32>::from_safetensors_bytes(&bytes[..bytes.len() - 4]),
    ///     Err(Error::CorruptModel { .. })
    /// ));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn from_safetensors_bytes(bytes: &[u8]) -> Result<Self> {
        check_size(bytes.len())?;
        let corrupt = |reason: String| Error::CorruptModel { reason };
        // Checks the header, the offsets, and that the data fills the rest of the file exactly.
        let (header_len, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| corrupt(format!("invalid safetensors: {e}")))?;
        let data = header_len
            .checked_add(8)
            .and_then(|start| bytes.get(start..))
            .ok_or_else(|| corrupt("header longer than the file".to_owned()))?;
        if let Some(meta) = header.metadata() {
            let get =
                |key: &str, default: &'static str| meta.get(key).map_or(default, String::as_str);
            check_activations::<A, O>(
                get("activation", A::NAME),
                get("output_activation", O::NAME),
            )?;
        }
        let mut names: Vec<String> = header.tensors().into_keys().collect();
        names.sort_unstable();
        if let Some(extra) = names
            .into_iter()
            .find(|name| !NAMES.contains(&name.as_str()))
        {
            return Err(Error::UnexpectedTensor { name: extra });
        }
        let [w, b1, b2] = NAMES.map(|name| {
            let info = header.info(name).ok_or(Error::MissingTensor { name })?;
            if info.dtype != dtype::<F>() {
                return Err(Error::FloatTypeMismatch {
                    expected: format!("{:?}", dtype::<F>()),
                    found: format!("{:?}", info.dtype),
                });
            }
            let (start, end) = info.data_offsets;
            let values = data
                .get(start..end)
                .ok_or_else(|| corrupt(format!("tensor {name} lies outside the file")))?;
            Ok((info.shape.as_slice(), values))
        });
        let ((w_shape, w), (b1_shape, b1), (b2_shape, b2)) = (w?, b1?, b2?);
        if let Some(recorded) = header.metadata().as_ref().and_then(|m| m.get("checksum")) {
            let expected = recorded
                .strip_prefix("crc32:")
                .filter(|d| {
                    d.len() == 8
                        && d.bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                })
                .and_then(|d| u32::from_str_radix(d, 16).ok())
                .ok_or_else(|| corrupt(format!("malformed checksum {recorded:?}")))?;
            let found = checksum(&[w, b1, b2]);
            if expected != found {
                return Err(Error::ChecksumMismatch { expected, found });
            }
        }
        let &[n_hidden, n_inputs] = w_shape else {
            return Err(Error::ParameterShapeMismatch {
                name: "W",
                expected: "2 dimensions [n_hidden, n_inputs]".to_owned(),
                found: w_shape.to_vec(),
            });
        };
        if b1_shape != [n_hidden] {
            return Err(shape_error("b1", &[n_hidden], b1_shape.to_vec()));
        }
        if b2_shape != [n_inputs] {
            return Err(shape_error("b2", &[n_inputs], b2_shape.to_vec()));
        }
        let w = Array2::from_shape_vec((n_hidden, n_inputs), from_bytes::<F>(w))
            // read_metadata checked that each tensor's bytes hold product(shape) values.
            .map_err(|e| corrupt(format!("tensor W does not match its shape: {e}")))?;
        let b1 = Array1::from(from_bytes::<F>(b1));
        let b2 = Array1::from(from_bytes::<F>(b2));
        Self::from_parts(w, b1, b2)
    }

    /// Exports the model as a safetensors file at `path`, atomically (as
    /// [`save_json`](Self::save_json)).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written, synced or renamed into place.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let path = std::env::temp_dir().join(format!("doc-save-st-{}.safetensors", std::process::id()));
    /// let model = VanillaAutoencoder::<f64>::new(9, 5, 42)?;
    /// model.save_safetensors(&path)?;
    /// assert_eq!(VanillaAutoencoder::<f64>::load_safetensors(&path)?, model);
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn save_safetensors(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), &self.to_safetensors_bytes())
    }

    /// Imports a model from a safetensors file, such as one written by
    /// [`save_safetensors`](Self::save_safetensors) or by Python's `safetensors` package.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::ModelTooLarge`] when it is larger
    /// than [`MAX_MODEL_BYTES`](crate::MAX_MODEL_BYTES) (checked before reading it); otherwise
    /// as [`from_safetensors_bytes`](Self::from_safetensors_bytes).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Error, VanillaAutoencoder};
    /// let err = VanillaAutoencoder::<f32>::load_safetensors("/no/such/model.safetensors");
    /// assert!(matches!(err, Err(Error::Io { .. })));
    /// ```
    pub fn load_safetensors(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_safetensors_bytes(&read_limited(path.as_ref())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid, Tanh};

    fn bytes_of(tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)>) -> Vec<u8> {
        let views: Vec<_> = tensors
            .iter()
            .map(|(n, d, s, b)| (*n, TensorView::new(*d, s.clone(), b).unwrap()))
            .collect();
        safetensors::serialize(views, None).unwrap()
    }

    fn f64_bytes(n: usize, v: f64) -> Vec<u8> {
        to_bytes((0..n).map(|_| v))
    }

    fn valid() -> Vec<(&'static str, Dtype, Vec<usize>, Vec<u8>)> {
        vec![
            ("W", Dtype::F64, vec![2, 3], f64_bytes(6, 0.5)),
            ("b1", Dtype::F64, vec![2], f64_bytes(2, 0.1)),
            ("b2", Dtype::F64, vec![3], f64_bytes(3, -0.1)),
        ]
    }

    type M = VanillaAutoencoder<f64>;

    #[test]
    fn round_trip_keeps_values_and_checks_activations() {
        let model = VanillaAutoencoder::<f64, Tanh, Identity>::new(5, 4, 1).unwrap();
        let bytes = model.to_safetensors_bytes();
        assert_eq!(
            VanillaAutoencoder::<f64, Tanh, Identity>::from_safetensors_bytes(&bytes).unwrap(),
            model
        );
        assert!(matches!(
            VanillaAutoencoder::<f64, Tanh, Sigmoid>::from_safetensors_bytes(&bytes),
            Err(Error::ActivationMismatch {
                layer: "decoder",
                ..
            })
        ));
    }

    #[test]
    fn a_file_without_metadata_loads() {
        let model = M::from_safetensors_bytes(&bytes_of(valid())).unwrap();
        assert_eq!(model.w().dim(), (2, 3));
        assert_eq!(model.b2().to_vec(), vec![-0.1; 3]);
    }

    #[test]
    fn each_check_has_its_error() {
        let mut t = valid();
        t.push(("extra", Dtype::F64, vec![1], f64_bytes(1, 0.0)));
        assert!(matches!(
            M::from_safetensors_bytes(&bytes_of(t)),
            Err(Error::UnexpectedTensor { .. })
        ));

        let mut t = valid();
        t.remove(1);
        assert!(matches!(
            M::from_safetensors_bytes(&bytes_of(t)),
            Err(Error::MissingTensor { name: "b1" })
        ));

        let mut t = valid();
        t[2] = ("b2", Dtype::F32, vec![3], vec![0; 12]);
        assert!(matches!(
            M::from_safetensors_bytes(&bytes_of(t)),
            Err(Error::FloatTypeMismatch { .. })
        ));

        let mut t = valid();
        t[0] = ("W", Dtype::F64, vec![6], f64_bytes(6, 0.5));
        assert!(matches!(
            M::from_safetensors_bytes(&bytes_of(t)),
            Err(Error::ParameterShapeMismatch { name: "W", .. })
        ));

        let mut t = valid();
        t[2] = ("b2", Dtype::F64, vec![2], f64_bytes(2, 0.5));
        assert!(matches!(
            M::from_safetensors_bytes(&bytes_of(t)),
            Err(Error::ParameterShapeMismatch { name: "b2", .. })
        ));

        let mut t = valid();
        t[1] = ("b1", Dtype::F64, vec![2], f64_bytes(2, f64::NAN));
        assert!(matches!(
            M::from_safetensors_bytes(&bytes_of(t)),
            Err(Error::NonFiniteParameter { name: "b1" })
        ));

        let t = vec![
            ("W", Dtype::F64, vec![0, 3], vec![]),
            ("b1", Dtype::F64, vec![0], vec![]),
            ("b2", Dtype::F64, vec![3], f64_bytes(3, 0.0)),
        ];
        assert!(matches!(
            M::from_safetensors_bytes(&bytes_of(t)),
            Err(Error::InconsistentParts { .. })
        ));

        assert!(matches!(
            M::from_safetensors_bytes(b"\x01\x00"),
            Err(Error::CorruptModel { .. })
        ));
    }
}
