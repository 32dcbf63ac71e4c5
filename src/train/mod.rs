//! Training: hyperparameters, the optimiser, the epoch loop and its observers.

pub(crate) mod config;
pub(crate) mod observer;
pub(crate) mod optimizer;
pub(crate) mod trainer;
