#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(clippy::float_cmp)]
#![doc(test(attr(deny(warnings))))]

mod activation;
mod anomaly;
pub mod datasets;
mod decoder;
mod encoder;
mod error;
mod float;
mod gradient;
mod inference;
#[cfg(feature = "serde")]
mod io;
mod kernels;
mod linalg;
mod loss;
mod model;
mod online;
#[cfg(feature = "safetensors")]
mod safetensors_io;
mod scaling;
mod stacked;
mod table;
mod train;
mod validate;

pub use activation::{Activation, Identity, Relu, Sigmoid, Tanh};
pub use anomaly::{AnomalyDetector, Threshold, roc_auc};
pub use error::{Error, Result};
pub use float::Float;
pub use gradient::Gradients;
#[cfg(feature = "serde")]
pub use io::{
    CHECKPOINT_FORMAT, MAX_MODEL_BYTES, MODEL_FORMAT, MODEL_FORMAT_VERSION, STACKED_FORMAT,
};
pub use loss::Loss;
pub use model::VanillaAutoencoder;
pub use scaling::{MinMaxScaler, StandardScaler};
pub use stacked::StackedAutoencoder;
pub use table::{Column, CsvOptions, Missing, Table};
pub use train::config::{EarlyStop, Optimizer, TrainConfig, ValidTrainConfig};
pub use train::observer::{
    Control, EarlyStopping, EpochStats, Every, FitReport, LossHistory, Observer, StopReason,
};
pub use train::observer::{FnObserver, observer_fn};
pub use train::optimizer::{Adam, AdamState, MomentumState, SgdMomentum};
pub use train::regularize::{Contractive, Noise, Sparsity};
pub use train::schedule::LearningRateSchedule;
pub use train::state::TrainState;

/// The names most programs need: `use autoencoder::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Activation, Error, Identity, Loss, Observer, Relu, Sigmoid, Tanh, TrainConfig,
        VanillaAutoencoder,
    };
}
