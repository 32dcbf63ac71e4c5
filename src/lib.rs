#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![deny(clippy::float_cmp)]
#![doc(test(attr(deny(warnings))))]

mod activation;
pub mod datasets;
mod decoder;
mod encoder;
mod error;
mod float;
mod gradient;
mod linalg;
mod loss;
mod model;
mod train;
mod validate;

pub use activation::{Activation, Identity, Relu, Sigmoid, Tanh};
pub use error::{Error, Result};
pub use float::Float;
pub use gradient::Gradients;
pub use loss::Loss;
pub use model::VanillaAutoencoder;
pub use train::config::{TrainConfig, ValidTrainConfig};
pub use train::observer::{
    Control, EarlyStopping, EpochStats, Every, FitReport, LossHistory, Observer, StopReason,
};
pub use train::optimizer::{MomentumState, SgdMomentum};

/// The names most programs need: `use autoencoder::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Activation, Error, Identity, Loss, Observer, Relu, Sigmoid, Tanh, TrainConfig,
        VanillaAutoencoder,
    };
}
