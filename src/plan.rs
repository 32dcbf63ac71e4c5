//! The one place that chooses how a layer's batch is computed. Every execution strategy
//! computes the same loss and gradient (to rounding; the equivalence tests in `gradient.rs` and
//! `online.rs` hold them to it) from the formulas in `encoder`, `decoder`, `loss` and the
//! optimisers; they differ in memory layout and loop order only. Products inside a strategy go
//! to the GEMM or to the crate's own loops by size alone (`linalg::is_gemm_sized`).

use crate::online;
use crate::train::config::ValidTrainConfig;

/// How a batch of one layer is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchStrategy {
    /// Lane-major stages, the samples in the vector lanes (`Workspace::forward` and the stages
    /// after it). Noise and penalties act between these stages, so they take this path. A
    /// single sample (online training) is the case of one lane, whose products `linalg` runs
    /// as matrix-vector products.
    Lanes,
    /// Sample-major parts of up to 128 samples, the features in the vector lanes, each part's
    /// products one call each (`Workspace::rows_loss_and_gradient`; parts run on rayon's pool
    /// with the `threading` feature).
    Rows,
}

/// With at least this many inputs and hidden units a layer takes the row form: the lanes of
/// every product are then features rather than samples, the inputs are copied row by row
/// instead of transposed, and a tied layer's two halves of the weight gradient are one product
/// (one GEMM instead of two for large layers). Narrower layers stay lane-major, where the
/// samples fill the vectors.
const ROW_FORM_MIN_WIDTH: usize = 16;

/// Whether a layer of this shape ever takes the row form (its workspace then holds the
/// sample-major buffers).
pub(crate) fn has_row_form(n_inputs: usize, n_hidden: usize) -> bool {
    n_inputs >= ROW_FORM_MIN_WIDTH && n_hidden >= ROW_FORM_MIN_WIDTH
}

/// The strategy for a batch of `rows` samples of a layer; `plain` when nothing (noise, a
/// penalty) must act between the stages.
pub(crate) fn batch_strategy(
    n_inputs: usize,
    n_hidden: usize,
    rows: usize,
    plain: bool,
) -> BatchStrategy {
    if plain && rows >= 2 && has_row_form(n_inputs, n_hidden) {
        BatchStrategy::Rows
    } else {
        BatchStrategy::Lanes
    }
}

/// Whether an epoch of online SGD (batches of one sample) of a tied layer runs on the padded
/// fast path (`online.rs`), which fuses the step with the gradient: small layers, plain
/// reconstruction, SGD (the caller checks the optimiser).
pub(crate) fn online_padded(n_inputs: usize, n_hidden: usize, config: &ValidTrainConfig) -> bool {
    config.is_plain() && online::fits(n_inputs, n_hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_strategy_has_its_cases() {
        use BatchStrategy::*;
        // (n_inputs, n_hidden, rows, plain)
        let cases = [
            ((9, 5, 1, true), Lanes),
            ((9, 5, 32, true), Lanes),
            ((784, 128, 1, true), Lanes),
            ((784, 128, 256, true), Rows),
            ((784, 128, 256, false), Lanes),
            ((784, 8, 256, true), Lanes),
        ];
        for ((d, h, rows, plain), expected) in cases {
            assert_eq!(batch_strategy(d, h, rows, plain), expected);
        }
    }
}
