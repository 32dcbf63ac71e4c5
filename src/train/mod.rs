//! Training: hyperparameters, optimisers, schedules, regularisers, the epoch loop and its
//! observers.

pub(crate) mod config;
pub(crate) mod observer;
pub(crate) mod optimizer;
pub(crate) mod patience;
pub(crate) mod regularize;
pub(crate) mod schedule;
pub(crate) mod state;
pub(crate) mod trainer;
