//! The public interface: models, options, data handling, files, anomaly detection, the
//! automatic choice and the command-line tool. One test binary rather than one per module, so
//! that the crate's generic code is instantiated and linked once.
//!
//! The tests that count allocations (with their own global allocator) or run child processes
//! of their own binary stay separate binaries in `tests/`.

#[cfg(feature = "serde")]
#[path = "../serde_common/mod.rs"]
mod serde_common;

mod anomaly;
mod api;
mod auto;
mod bad_input;
mod cli;
mod csv;
mod custom_activation;
mod detector;
mod learning;
mod optimizer_step;
mod options;
mod pca_start;
mod pipeline;
mod rows;
mod safetensors_io;
mod scaling;
mod serde_checkpoint;
mod serde_integrity;
mod serde_io;
mod serde_long_names;
mod serde_resume_counters;
mod serde_stacked;
mod stacked;
mod stacked_untied;
mod training_features;
mod unbounded_epochs;
mod untied;
