//! The decoder `Z = f(Y W + b2)`, with the encoder's `W` transposed, and its share of the
//! backward pass.

use crate::Float;
use crate::linalg::{self, Op};

/// Lane-major output logits: `a2t = Wᵀ yt + b2`, `yt: [n_hidden, lanes]`, `a2t: [n_inputs, lanes]`.
/// The output activation is left to the loss, which needs the logits.
#[inline(always)]
pub(crate) fn logits_lanes<F: Float>(w: &[F], b2: &[F], yt: &[F], a2t: &mut [F], lanes: usize) {
    let (n_inputs, n_hidden) = (b2.len(), w.len() / b2.len());
    let a2t = &mut a2t[..n_inputs * lanes];
    for (row, &bias) in a2t.chunks_exact_mut(lanes).zip(b2) {
        row.fill(bias);
    }
    linalg::mat_lanes(w, n_hidden, n_inputs, Op::T, yt, a2t, lanes, true);
}

/// Decoder share of the backward pass, lane-major.
///
/// From `delta = ∂L/∂A2`: adds the decoder's part of the tied weight gradient, `Yᵀ ∂L/∂A2`, to
/// `grad_w`, writes `grad_b2 = Σ ∂L/∂A2`, and writes `∂L/∂Y = ∂L/∂A2 Wᵀ` into `delta_hidden`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_lanes<F: Float>(
    w: &[F],
    yt: &[F],
    delta: &[F],
    grad_w: &mut [F],
    grad_b2: &mut [F],
    delta_hidden: &mut [F],
    lanes: usize,
) {
    let (n_inputs, n_hidden) = (grad_b2.len(), w.len() / grad_b2.len());
    linalg::sum_lanes(delta, lanes, grad_b2);
    linalg::outer_lanes_acc(yt, n_hidden, delta, n_inputs, lanes, grad_w);
    linalg::mat_lanes(
        w,
        n_hidden,
        n_inputs,
        Op::N,
        delta,
        delta_hidden,
        lanes,
        false,
    );
}
