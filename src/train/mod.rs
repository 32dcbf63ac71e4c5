//! Training: hyperparameters, optimisers, schedules, regularisers, the epoch loop and its
//! observers.

pub(crate) mod config;
pub(crate) mod full_batch;
pub(crate) mod line_search;
pub(crate) mod mini_batch;
pub(crate) mod observer;
pub(crate) mod optimizer;
pub(crate) mod patience;
pub(crate) mod regularize;
pub(crate) mod schedule;
pub(crate) mod state;
pub(crate) mod trainer;
