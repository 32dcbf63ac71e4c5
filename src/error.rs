//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong in this crate.
///
/// Every fallible call validates its input before it touches the model, so a model that was valid
/// before a failed call is unchanged after it. Rejected numbers are stored as `f64` so that the
/// error type does not depend on the model's float type.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The data's column count differs from what the model expects.
    #[error("data must have {expected} columns, found {found}")]
    ShapeMismatch {
        /// Columns the model expects (`n_inputs`, or `n_hidden` for codes given to `decode`).
        expected: usize,
        /// Columns the data has.
        found: usize,
    },
    /// `fit` was given a matrix with no rows.
    #[error("training data must have at least one row")]
    EmptyInput,
    /// The data holds a NaN or an infinite value.
    #[error("data must be finite, found {value} at row {row}, column {column}")]
    NonFiniteInput {
        /// Row of the first offending value.
        row: usize,
        /// Column of the first offending value.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// Binary cross-entropy was asked of targets outside `[0, 1]`.
    #[error(
        "binary cross-entropy needs targets in [0, 1], found {value} at row {row}, column {column}"
    )]
    TargetOutOfRange {
        /// Row of the first offending value.
        row: usize,
        /// Column of the first offending value.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// Binary cross-entropy was asked of a model whose output activation is not the logistic
    /// sigmoid ([`Activation::LOGISTIC`](crate::Activation::LOGISTIC)).
    #[error("binary cross-entropy needs a sigmoid output activation, the model's is {activation}")]
    BceNeedsSigmoid {
        /// Name of the model's output activation.
        activation: &'static str,
    },
    /// The KL sparsity penalty was asked of a model whose encoder's outputs are not in (0, 1)
    /// ([`OutputRange::Unit`](crate::OutputRange::Unit), as the sigmoid's).
    #[error(
        "the sparsity penalty needs encoder outputs in (0, 1), such as the sigmoid's; the model's \
         activation is {activation}"
    )]
    SparsityNeedsSigmoid {
        /// Name of the model's encoder activation.
        activation: &'static str,
    },
    /// A training state handed to `fit_resume` does not belong to this model and config.
    #[error("cannot resume from this training state: {reason}")]
    IncompatibleTrainState {
        /// What does not fit.
        reason: &'static str,
    },
    /// The learning rate is not finite and positive.
    #[error("learning rate must be finite and > 0, got {0}")]
    InvalidLearningRate(f64),
    /// The momentum is outside `[0, 1)`.
    #[error("momentum must be finite and in [0, 1), got {0}")]
    InvalidMomentum(f64),
    /// The weight decay is negative or not finite.
    #[error("weight decay must be finite and >= 0, got {0}")]
    InvalidWeightDecay(f64),
    /// The loss tolerance is negative or not finite.
    #[error("tolerance must be finite and >= 0, got {0}")]
    InvalidTolerance(f64),
    /// `epochs` is zero.
    #[error("epochs must be > 0")]
    ZeroEpochs,
    /// `batch_size` is zero.
    #[error("batch size must be > 0")]
    ZeroBatchSize,
    /// A model was asked for with no inputs.
    #[error("n_inputs must be > 0")]
    ZeroInputs,
    /// A model was asked for with no hidden units.
    #[error("n_hidden must be > 0")]
    ZeroHiddenUnits,
    /// Parameters given to `from_parts` have shapes that do not fit together.
    #[error(
        "inconsistent parameter shapes: W is {w_rows}x{w_cols}, b1 has {b1_len} entries, \
         b2 has {b2_len} (expected b1 = {w_rows}, b2 = {w_cols})"
    )]
    InconsistentParts {
        /// Rows of `W` (`n_hidden`).
        w_rows: usize,
        /// Columns of `W` (`n_inputs`).
        w_cols: usize,
        /// Length of `b1`.
        b1_len: usize,
        /// Length of `b2`.
        b2_len: usize,
    },
    /// The decoder weights `V` given to
    /// [`UntiedAutoencoder::from_parts`](crate::UntiedAutoencoder::from_parts) are not
    /// `[n_inputs, n_hidden]` (the shape of `W` transposed).
    #[error("the decoder weights V are {found:?}, expected {expected:?} (W's shape transposed)")]
    DecoderShapeMismatch {
        /// `[n_inputs, n_hidden]`.
        expected: [usize; 2],
        /// The shape given.
        found: [usize; 2],
    },
    /// A parameter given to `from_parts` is NaN or infinite.
    #[error("parameter {name} must be finite")]
    NonFiniteParameter {
        /// `"W"`, `"b1"` or `"b2"`.
        name: &'static str,
    },
    /// A training option that the chosen optimiser or model cannot apply, rejected before
    /// training starts.
    #[error("{option} cannot be used with {with}: {reason}")]
    OptionNotApplicable {
        /// The option, as the config's method names it.
        option: &'static str,
        /// What cannot apply it (an optimiser or a model kind).
        with: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A hyperparameter of an optional training feature (optimiser, schedule, penalty, noise,
    /// validation, anomaly threshold) is out of range.
    #[error("{name} must be {expected}, got {value}")]
    InvalidParameter {
        /// The hyperparameter's name, as its setter spells it.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// Layer sizes of a stacked model are unusable (fewer than two, or a zero).
    #[error("layer sizes must be at least two non-zero sizes, got {0:?}")]
    InvalidLayerSizes(Vec<usize>),
    /// Training produced a non-finite loss or parameter; the parameters were restored to those at
    /// the end of the last completed epoch (the initial ones if none completed).
    #[error("training diverged in epoch {epoch}, batch {batch}: parameters restored")]
    Diverged {
        /// Epoch (0-based) in which the non-finite value appeared.
        epoch: usize,
        /// Batch (0-based, within the epoch) in which it appeared.
        batch: usize,
    },
    // Persistence (`src/io.rs`, `src/safetensors_io.rs`): only with the `serde` feature.
    /// Reading or writing a model file failed in the operating system.
    #[cfg(feature = "serde")]
    #[error("I/O error ({kind}): {message}")]
    Io {
        /// The kind of the underlying `std::io::Error`.
        kind: std::io::ErrorKind,
        /// The underlying error's message, with the path involved.
        message: String,
    },
    /// A model file is truncated, is not valid JSON or safetensors, or lacks a required field.
    #[cfg(feature = "serde")]
    #[error("corrupt model file: {reason}")]
    CorruptModel {
        /// What is wrong with it.
        reason: String,
    },
    /// A model file was written in a format version this release cannot read.
    #[cfg(feature = "serde")]
    #[error("unsupported model format version {found}, this release reads version {supported}")]
    UnsupportedVersion {
        /// Version found in the file.
        found: u64,
        /// The version this release reads and writes.
        supported: u64,
    },
    /// A model file (or string) is larger than the documented maximum; it was not parsed.
    #[cfg(feature = "serde")]
    #[error("model file is {bytes} bytes, the maximum is {limit}")]
    ModelTooLarge {
        /// Size of the file, or at least `limit + 1` when its size is not known up front.
        bytes: u64,
        /// The maximum, [`MAX_MODEL_BYTES`](crate::MAX_MODEL_BYTES).
        limit: u64,
    },
    /// A model file holds another float type than the model being loaded.
    #[cfg(feature = "serde")]
    #[error("model file holds {found} values, expected {expected}")]
    FloatTypeMismatch {
        /// The float type being loaded: `"f32"` or `"f64"` (`"F32"`, `"F64"` for safetensors).
        expected: String,
        /// The float type (or safetensors dtype) in the file.
        found: String,
    },
    /// A model file was written for another activation than the model type being loaded.
    #[cfg(feature = "serde")]
    #[error("model file has {layer} activation {found}, expected {expected}")]
    ActivationMismatch {
        /// `"encoder"` or `"decoder"`.
        layer: &'static str,
        /// The activation of the type being loaded, e.g. `"sigmoid"`.
        expected: String,
        /// The activation named in the file.
        found: String,
    },
    /// A parameter in a model file has the wrong shape.
    #[cfg(feature = "serde")]
    #[error("parameter {name} has shape {found:?}, expected {expected}")]
    ParameterShapeMismatch {
        /// `"W"`, `"b1"` or `"b2"`.
        name: &'static str,
        /// The expected shape, e.g. `"[5, 9]"`, or `"2 dimensions"` when its sizes are unknown.
        expected: String,
        /// The shape found in the file.
        found: Vec<usize>,
    },
    /// A safetensors file lacks one of the tensors `W`, `b1`, `b2`.
    #[cfg(feature = "serde")]
    #[error("tensor {name} is missing from the model file")]
    MissingTensor {
        /// `"W"`, `"b1"` or `"b2"`.
        name: &'static str,
    },
    /// A safetensors file holds a tensor other than `W`, `b1`, `b2`.
    #[cfg(feature = "serde")]
    #[error("unexpected tensor {name} in the model file (only W, b1, b2 are allowed)")]
    UnexpectedTensor {
        /// Name of the unexpected tensor.
        name: String,
    },
    // Data loading and scaling (`src/csv.rs`, `src/scaling.rs`).
    /// Reading a data file failed in the operating system (or the CSV reader).
    #[error("cannot read data ({kind}): {message}")]
    DataIo {
        /// The kind of the underlying `std::io::Error`.
        kind: std::io::ErrorKind,
        /// The underlying error's message, with the path involved when there is one.
        message: String,
    },
    /// A CSV row has another number of fields than the header (or the first row).
    #[error("line {line}: expected {expected} fields, found {found}")]
    RaggedRow {
        /// Line (1-based) on which the row starts.
        line: u64,
        /// Fields in the header, or in the first row without a header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A selected CSV field is neither a finite number nor a missing-value token.
    #[error("line {line}, column {column} (0-based): {field:?} is not a finite number")]
    NonNumericField {
        /// Line (1-based) on which the row starts.
        line: u64,
        /// Column (0-based) of the field in the file.
        column: usize,
        /// The field's text (cut to 64 characters).
        field: String,
    },
    /// A selected CSV field is missing and the policy is `Missing::Fail`.
    #[error("line {line}, column {column} (0-based): missing value")]
    MissingValue {
        /// Line (1-based) on which the row starts.
        line: u64,
        /// Column (0-based) of the field in the file.
        column: usize,
    },
    /// A selected column does not exist: an index past the last column, or a name that is not in
    /// the header (or there is no header).
    #[error("column {column} does not exist (the data has {n_columns} columns{header_note})")]
    UnknownColumn {
        /// The column as it was asked for: an index or a name.
        column: String,
        /// Columns in the data.
        n_columns: usize,
        /// `""`, or `", and no header to look names up in"` for a name without a header.
        header_note: &'static str,
    },
    /// `Missing::Mean` was asked for a column with no value at all to take the mean of.
    #[error("column {column} (0-based) has no values to fill missing ones with")]
    NoValuesInColumn {
        /// Column (0-based) in the file.
        column: usize,
    },
    /// Scaling (or unscaling) a finite value gave an infinite one: the value lies far outside
    /// the range the scaler was fitted on.
    #[error("scaling the value {value} at row {row}, column {column} overflows")]
    ScalingOverflow {
        /// Row of the first offending value.
        row: usize,
        /// Column of the first offending value.
        column: usize,
        /// The value that was being scaled.
        value: f64,
    },
    // Anomaly detection and deployment.
    /// A reconstruction error (an anomaly score) or a threshold is NaN or infinite: the data's
    /// magnitude overflows the float type (scale it first).
    #[error("{}score {value} is not finite: scale the data (for example with MinMaxScaler)", match row { Some(r) => format!("row {r}: "), None => String::new() })]
    NonFiniteScore {
        /// The row of the first such score, if the value is a row's.
        row: Option<usize>,
        /// The score or threshold.
        value: f64,
    },
    /// Two sequences that go together (scores and labels) have different lengths.
    #[error("lengths differ: {expected} against {found}")]
    LengthMismatch {
        /// The length of the first.
        expected: usize,
        /// The length of the second.
        found: usize,
    },
    /// Training scores were asked of rows that are not the ones a detector was fitted on (their
    /// codes differ from the codes it kept).
    #[error(
        "these rows are not the ones the detector was fitted on (their codes differ from those it kept)"
    )]
    NotTrainingRows,
    /// ROC AUC was asked of labels that are all positive or all negative.
    #[error("ROC AUC needs both positive and negative labels")]
    SingleClass,
    /// A scaler's parameters (given, or read from a file) are not those of a fitted scaler.
    #[error("invalid scaler parameters{}: {reason}", match column { Some(c) => format!(" in column {c}"), None => String::new() })]
    InvalidScaler {
        /// The first offending column, if one is to blame.
        column: Option<usize>,
        /// What is wrong.
        reason: &'static str,
    },
    /// An activation name that is not one of the crate's (`sigmoid`, `tanh`, `identity`,
    /// `relu`).
    #[error("unknown activation {name:?}: expected sigmoid, tanh, identity or relu")]
    UnknownActivation {
        /// The name given.
        name: String,
    },
    /// A linear-algebra routine (faer) failed, for example an eigendecomposition that did not
    /// converge.
    #[error("linear algebra failed: {0}")]
    Linalg(String),
    /// A deployment file or command-line setting that does not fit the data or the model.
    #[error("{0}")]
    InvalidPipeline(String),
    // Integrity of saved documents (`src/io/`).
    /// A saved document's checksum does not match its content: the file was changed or damaged
    /// after it was written.
    #[cfg(feature = "serde")]
    #[error("checksum mismatch: the file records {expected:08x}, its content gives {found:08x}")]
    ChecksumMismatch {
        /// The CRC-32 recorded in the file.
        expected: u32,
        /// The CRC-32 of the content as read.
        found: u32,
    },
    // Sizes of models and training buffers; shapes given to optimiser steps.
    /// Memory for a model's parameters, or for buffers sized from them, cannot be had: the
    /// element count overflows `usize` or the allocator refused it. Nothing was changed.
    #[error("cannot allocate {elements} values for {what}")]
    AllocationFailed {
        /// What the memory was for, e.g. `"W"` or `"training buffers"`.
        what: &'static str,
        /// Elements asked for (exact even where it overflows `usize`).
        elements: u128,
    },
    /// An array given to [`SgdMomentum::step`](crate::SgdMomentum::step) or
    /// [`Adam::step`](crate::Adam::step) has another shape than the optimiser state's.
    #[error("{array} has shape {found:?}, the optimiser state needs {expected:?}")]
    StepShapeMismatch {
        /// Which array: `"parameter W"`, `"gradient b1"`, ….
        array: &'static str,
        /// The shape the state calls for (a slice's length for a parameter).
        expected: Vec<usize>,
        /// The shape given.
        found: Vec<usize>,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// What an [`Error`](enum@Error) is about ([`Error::domain`](Error::domain)), for callers
/// that handle a whole group alike (say, reject the input, or report a broken file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorDomain {
    /// The data given to a model: its shape, values, targets or length.
    Data,
    /// Settings: hyperparameters, sizes, parameters, and options a model cannot apply.
    Config,
    /// A training run: divergence, or a state to resume that does not fit.
    Training,
    /// Saved documents and files: reading, writing, format, version, checksum, contents.
    File,
    /// CSV tables and their columns, and the scaling of what was read.
    Table,
    /// Memory or the linear-algebra backend.
    Resources,
}

impl Error {
    /// The group this error belongs to.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{ErrorDomain, TrainConfig, VanillaAutoencoder};
    /// use ndarray::Array2;
    ///
    /// let mut model = VanillaAutoencoder::<f64>::new(3, 2, 0)?;
    /// let err = model.fit(&Array2::zeros((4, 5)), &TrainConfig::new()).unwrap_err();
    /// assert_eq!(err.domain(), ErrorDomain::Data);
    /// let err = model.fit(&Array2::zeros((4, 3)), &TrainConfig::new().epochs(0)).unwrap_err();
    /// assert_eq!(err.domain(), ErrorDomain::Config);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn domain(&self) -> ErrorDomain {
        use ErrorDomain::*;
        // Every variant is named: a new one does not compile until it has a domain.
        match self {
            Error::ShapeMismatch { .. }
            | Error::EmptyInput
            | Error::NonFiniteInput { .. }
            | Error::TargetOutOfRange { .. }
            | Error::NonFiniteScore { .. }
            | Error::LengthMismatch { .. }
            | Error::NotTrainingRows
            | Error::SingleClass => Data,
            Error::BceNeedsSigmoid { .. }
            | Error::SparsityNeedsSigmoid { .. }
            | Error::InvalidLearningRate(_)
            | Error::InvalidMomentum(_)
            | Error::InvalidWeightDecay(_)
            | Error::InvalidTolerance(_)
            | Error::ZeroEpochs
            | Error::ZeroBatchSize
            | Error::ZeroInputs
            | Error::ZeroHiddenUnits
            | Error::InconsistentParts { .. }
            | Error::DecoderShapeMismatch { .. }
            | Error::NonFiniteParameter { .. }
            | Error::InvalidParameter { .. }
            | Error::OptionNotApplicable { .. }
            | Error::InvalidLayerSizes(_)
            | Error::InvalidScaler { .. }
            | Error::UnknownActivation { .. }
            | Error::InvalidPipeline(_)
            | Error::StepShapeMismatch { .. } => Config,
            Error::IncompatibleTrainState { .. } | Error::Diverged { .. } => Training,
            #[cfg(feature = "serde")]
            Error::Io { .. }
            | Error::CorruptModel { .. }
            | Error::UnsupportedVersion { .. }
            | Error::ModelTooLarge { .. }
            | Error::FloatTypeMismatch { .. }
            | Error::ActivationMismatch { .. }
            | Error::ParameterShapeMismatch { .. }
            | Error::MissingTensor { .. }
            | Error::UnexpectedTensor { .. }
            | Error::ChecksumMismatch { .. } => File,
            Error::DataIo { .. }
            | Error::RaggedRow { .. }
            | Error::NonNumericField { .. }
            | Error::MissingValue { .. }
            | Error::UnknownColumn { .. }
            | Error::NoValuesInColumn { .. }
            | Error::ScalingOverflow { .. } => Table,
            Error::Linalg(_) | Error::AllocationFailed { .. } => Resources,
        }
    }
}
