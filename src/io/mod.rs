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
//!
//! # Layout
//! - `fs`: reading a file with the size limit, replacing a file atomically.
//! - `seal`: sealing a JSON document with its CRC-32 checksum, and opening a sealed one.
//! - `format`: the format names and versions, the size limit, the checks every loader makes
//!   (float type, activations, shapes) and the readers of stored values.
//! - `vanilla`, `stacked`, `untied`: each model's file and its JSON methods.
//! - `checkpoint`: a model and its training state in one file.

mod checkpoint;
mod format;
mod fs;
mod seal;
mod stacked;
mod untied;
mod vanilla;

pub use self::format::{
    CHECKPOINT_FORMAT, MAX_MODEL_BYTES, MODEL_FORMAT, MODEL_FORMAT_VERSION, STACKED_FORMAT,
    UNTIED_FORMAT,
};
#[cfg(feature = "safetensors")]
pub(crate) use self::format::{check_activations, check_size, shape_error};
pub(crate) use self::format::{check_float, float_name};
pub(crate) use self::fs::write_json_file;
#[cfg(feature = "safetensors")]
pub(crate) use self::fs::{read_limited, write_atomically};
pub(crate) use self::seal::{from_sealed_json, load_sealed_json, to_sealed_json};
