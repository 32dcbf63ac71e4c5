// The README is the crate documentation. Its examples are written to be pasted into a user's
// `main.rs` as they are, so they carry no hidden lines or `cfg` guards, and one of them needs the
// `serde` feature. Doctests built without that feature therefore get a one-line crate doc
// instead; `cargo test --all-features` (CI) runs every README example, and the rendered docs
// (docs.rs builds with all features) always show the README.
#![cfg_attr(any(feature = "serde", not(doctest)), doc = include_str!("../README.md"))]
#![cfg_attr(
    all(doctest, not(feature = "serde")),
    doc = "Tied-weight autoencoders on ndarray (the README's examples are tested with `--all-features`)."
)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(clippy::float_cmp)]
#![doc(test(attr(deny(warnings))))]

mod activation;
mod anomaly;
mod any_model;
mod auto;
mod csv;
pub mod datasets;
mod decoder;
#[cfg(feature = "serde")]
mod document;
mod encoder;
mod error;
mod float;
mod gradient;
mod inference;
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
mod io;
mod kernels;
mod layer;
mod linalg;
mod loss;
mod model;
mod online;
mod pca;
mod pipeline;
mod plan;
#[cfg(feature = "safetensors")]
#[cfg_attr(docsrs, doc(cfg(feature = "safetensors")))]
mod safetensors_io;
mod scaler;
mod scaling;
mod stacked;
mod train;
mod untied;
mod validate;
mod workspace;

pub use crate::csv::{Column, CsvOptions, Missing, Table};
pub use activation::{Activation, Identity, OutputRange, Relu, Sigmoid, Tanh};
pub use anomaly::{AnomalyDetector, MAX_REFERENCE_CODES, Scoring, Threshold, roc_auc};
pub use any_model::{Autoencoder, new_stacked, new_untied, new_vanilla};
pub use auto::{AutoConfig, AutoReport, Candidate, CandidateResult, fit_auto};
pub use error::{Error, ErrorDomain, Result};
pub use float::Float;
pub use gradient::Gradients;
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub use io::{
    CHECKPOINT_FORMAT, MAX_MODEL_BYTES, MODEL_FORMAT, MODEL_FORMAT_VERSION, STACKED_FORMAT,
    UNTIED_FORMAT,
};
pub use loss::Loss;
pub use model::VanillaAutoencoder;
pub use pca::Pca;
#[cfg(feature = "serde")]
pub use pipeline::PIPELINE_FORMAT;
pub use pipeline::Pipeline;
pub use scaler::Scaler;
pub use scaling::{MinMaxScaler, StandardScaler};
pub use stacked::{StackedAutoencoder, UntiedLevelParts};
pub use train::config::{EarlyStop, Optimizer, TrainConfig, ValidTrainConfig};
pub use train::observer::{
    Control, EarlyStopping, EpochStats, Every, FitReport, LossHistory, Observer, StopReason,
};
pub use train::observer::{FnObserver, observer_fn};
pub use train::optimizer::{Adam, AdamState, MomentumState, SgdMomentum};
pub use train::regularize::{Contractive, Noise, Sparsity};
pub use train::schedule::LearningRateSchedule;
pub use train::state::TrainState;
pub use untied::UntiedAutoencoder;

/// The names most programs need: `use autoencoder::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Activation, Error, Identity, Loss, Observer, Relu, Sigmoid, Tanh, TrainConfig,
        VanillaAutoencoder,
    };
}
