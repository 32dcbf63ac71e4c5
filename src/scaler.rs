//! [`Scaler`]: either fitted scaler, chosen at run time, and the scalers' own files
//! (feature `serde`).

use ndarray::{Array2, ArrayBase, Data, Ix2};

use crate::error::Result;
use crate::float::Float;
use crate::scaling::{MinMaxScaler, StandardScaler};

/// A fitted [`MinMaxScaler`] or [`StandardScaler`], for code that chooses the scaling at run
/// time (the deployment file, the command-line tool).
///
/// # Examples
/// ```
/// use autoencoder::{MinMaxScaler, Scaler};
/// use ndarray::array;
///
/// let x = array![[0.0, 10.0], [4.0, 20.0]];
/// let scaler = Scaler::from(MinMaxScaler::fit(&x)?);
/// let y = scaler.transform(&x)?;
/// assert_eq!(y, array![[0.0, 0.0], [1.0, 1.0]]);
/// assert_eq!(scaler.inverse_transform(&y)?, x);
/// assert_eq!((scaler.kind(), scaler.n_features()), ("min_max", 2));
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Scaler<F> {
    /// Each column to `[0, 1]`.
    MinMax(MinMaxScaler<F>),
    /// Each column to zero mean and unit variance.
    Standard(StandardScaler<F>),
}

impl<F: Float> Scaler<F> {
    /// Scales `x` column by column.
    ///
    /// # Errors
    /// As [`MinMaxScaler::transform`].
    pub fn transform<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        match self {
            Scaler::MinMax(s) => s.transform(x),
            Scaler::Standard(s) => s.transform(x),
        }
    }

    /// Maps scaled data back to the original units.
    ///
    /// # Errors
    /// As [`MinMaxScaler::inverse_transform`].
    pub fn inverse_transform<S: Data<Elem = F>>(&self, y: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        match self {
            Scaler::MinMax(s) => s.inverse_transform(y),
            Scaler::Standard(s) => s.inverse_transform(y),
        }
    }

    /// The number of columns the scaler was fitted on.
    pub fn n_features(&self) -> usize {
        match self {
            Scaler::MinMax(s) => s.n_features(),
            Scaler::Standard(s) => s.n_features(),
        }
    }

    /// `"min_max"` or `"standard"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Scaler::MinMax(_) => "min_max",
            Scaler::Standard(_) => "standard",
        }
    }
}

impl<F> From<MinMaxScaler<F>> for Scaler<F> {
    fn from(scaler: MinMaxScaler<F>) -> Self {
        Scaler::MinMax(scaler)
    }
}

impl<F> From<StandardScaler<F>> for Scaler<F> {
    fn from(scaler: StandardScaler<F>) -> Self {
        Scaler::Standard(scaler)
    }
}

#[cfg(feature = "serde")]
pub(crate) use file::ScalerParams;

/// Scaler files: `{format, version, float, checksum, scaler}`.
#[cfg(feature = "serde")]
mod file {
    use std::path::Path;

    use ndarray::Array1;
    use serde::{Deserialize, Serialize};

    use super::Scaler;
    use crate::document::{self, Document};
    use crate::error::{Error, Result};
    use crate::float::Float;
    use crate::io;
    use crate::scaling::{MinMaxScaler, StandardScaler};

    /// The `format` field of a saved scaler.
    pub(crate) const SCALER_FORMAT: &str = "autoencoder/scaler";

    /// A scaler's parameters as stored, in `f64` (exact for `f32` scalers too).
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case", deny_unknown_fields)]
    pub(crate) enum ScalerParams {
        MinMax { min: Vec<f64>, max: Vec<f64> },
        Standard { mean: Vec<f64>, std: Vec<f64> },
    }

    impl ScalerParams {
        pub(crate) fn of<F: Float>(scaler: &Scaler<F>) -> Self {
            let list = |a: ndarray::ArrayView1<'_, F>| a.iter().map(|v| v.as_f64()).collect();
            match scaler {
                Scaler::MinMax(s) => ScalerParams::MinMax {
                    min: list(s.data_min()),
                    max: list(s.data_max()),
                },
                Scaler::Standard(s) => ScalerParams::Standard {
                    mean: list(s.mean()),
                    std: list(s.std()),
                },
            }
        }

        /// The scaler, checked; values that do not fit `F` are an error.
        pub(crate) fn into_scaler<F: Float>(self) -> Result<Scaler<F>> {
            let array = |v: Vec<f64>| -> Result<Array1<F>> {
                v.into_iter()
                    .map(|x| {
                        let y = F::cast(x);
                        if y.is_finite() || !x.is_finite() {
                            Ok(y)
                        } else {
                            Err(Error::InvalidScaler {
                                column: None,
                                reason: "a value does not fit the float type",
                            })
                        }
                    })
                    .collect()
            };
            Ok(match self {
                ScalerParams::MinMax { min, max } => {
                    Scaler::MinMax(MinMaxScaler::from_parts(array(min)?, array(max)?)?)
                }
                ScalerParams::Standard { mean, std } => {
                    Scaler::Standard(StandardScaler::from_parts(array(mean)?, array(std)?)?)
                }
            })
        }
    }

    /// A scaler file, version 1.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ScalerFileV1 {
        format: String,
        version: u64,
        float: String,
        scaler: ScalerParams,
    }

    impl Document for ScalerFileV1 {
        const FORMAT: &'static str = SCALER_FORMAT;
        const VERSION: u64 = 1;
    }

    impl<F: Float> Scaler<F> {
        /// The scaler as a versioned JSON document:
        /// `{"format": "autoencoder/scaler", "version": 1, "float": "f64", "scaler":
        /// {"min_max": {"min": [..], "max": [..]}}}` (or `{"standard": {"mean": [..], "std":
        /// [..]}}`), values written exactly.
        ///
        /// # Examples
        /// ```
        /// use autoencoder::{Scaler, StandardScaler};
        /// let scaler = Scaler::from(StandardScaler::fit(&ndarray::array![[1.0f32], [2.0]])?);
        /// let back = Scaler::<f32>::from_json_str(&scaler.to_json_string())?;
        /// assert_eq!(back, scaler);
        /// # Ok::<(), autoencoder::Error>(())
        /// ```
        pub fn to_json_string(&self) -> String {
            document::write_document(&ScalerFileV1 {
                format: SCALER_FORMAT.to_owned(),
                version: 1,
                float: io::float_name::<F>().to_owned(),
                scaler: ScalerParams::of(self),
            })
        }

        /// Reads a scaler written by [`to_json_string`](Self::to_json_string) or
        /// [`save_json`](Self::save_json).
        ///
        /// # Errors
        /// [`Error::CorruptModel`] for malformed JSON or another format,
        /// [`Error::UnsupportedVersion`], [`Error::FloatTypeMismatch`], [`Error::InvalidScaler`],
        /// and the integrity and size errors of the crate's files.
        pub fn from_json_str(json: &str) -> Result<Self> {
            let file: ScalerFileV1 = document::read_document(json.as_bytes())?;
            io::check_float::<F>(&file.float)?;
            file.scaler.into_scaler()
        }

        /// Saves the scaler as JSON, atomically (see
        /// [`VanillaAutoencoder::save_json`](crate::VanillaAutoencoder::save_json)).
        ///
        /// # Errors
        /// [`Error::Io`] when the file cannot be written.
        pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
            io::write_json_file(path.as_ref(), self.to_json_string())
        }

        /// Loads a scaler saved by [`save_json`](Self::save_json).
        ///
        /// # Errors
        /// [`Error::Io`], [`Error::ModelTooLarge`], and as
        /// [`from_json_str`](Self::from_json_str).
        pub fn load_json(path: impl AsRef<Path>) -> Result<Self> {
            let file: ScalerFileV1 = document::load_document(path.as_ref())?;
            io::check_float::<F>(&file.float)?;
            file.scaler.into_scaler()
        }
    }

    /// Saving and loading one scaler type through [`Scaler`]'s files.
    macro_rules! scaler_files {
        ($ty:ident, $variant:ident, $kind:literal) => {
            impl<F: Float> $ty<F> {
                /// The scaler as a versioned JSON document (see [`Scaler::to_json_string`]).
                pub fn to_json_string(&self) -> String {
                    Scaler::$variant(self.clone()).to_json_string()
                }

                /// Reads a scaler of this kind from JSON.
                ///
                /// # Errors
                /// As [`Scaler::from_json_str`], and [`Error::InvalidScaler`] for the other
                /// kind of scaler.
                pub fn from_json_str(json: &str) -> Result<Self> {
                    Self::from_scaler(Scaler::from_json_str(json)?)
                }

                /// Saves the scaler as JSON, atomically.
                ///
                /// # Errors
                /// [`Error::Io`] when the file cannot be written.
                pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
                    io::write_json_file(path.as_ref(), self.to_json_string())
                }

                /// Loads a scaler of this kind saved by [`save_json`](Self::save_json).
                ///
                /// # Errors
                /// As [`Scaler::load_json`], and [`Error::InvalidScaler`] for the other kind.
                pub fn load_json(path: impl AsRef<Path>) -> Result<Self> {
                    Self::from_scaler(Scaler::load_json(path)?)
                }

                fn from_scaler(scaler: Scaler<F>) -> Result<Self> {
                    match scaler {
                        Scaler::$variant(s) => Ok(s),
                        _ => Err(Error::InvalidScaler {
                            column: None,
                            reason: concat!("the file holds another kind of scaler than ", $kind),
                        }),
                    }
                }
            }
        };
    }

    scaler_files!(MinMaxScaler, MinMax, "min_max");
    scaler_files!(StandardScaler, Standard, "standard");
}
