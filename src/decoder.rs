//! The decoder `Z = g(Y W + b2)` (tied: the encoder's `W` transposed) or `Z = g(Y Vᵀ + b2)`
//! (untied: weights `V` of its own), and its share of the backward pass.

use ndarray::{Array1, Array2, ArrayBase, ArrayView2, Data, Ix2};

use crate::activation::Activation;
use crate::encoder;
use crate::float::Float;
use crate::linalg::{self, Op};

/// `Z = f(Y M + b2)` for row-major codes `Y: [n_samples, n_hidden]`, where `M: [n_hidden,
/// n_inputs]` is the tied `W` or the untied `Vᵀ` (a transposed view).
pub(crate) fn decode<F, O, S>(
    m: ArrayView2<'_, F>,
    b2: &Array1<F>,
    y: &ArrayBase<S, Ix2>,
) -> Array2<F>
where
    F: Float,
    O: Activation,
    S: Data<Elem = F>,
{
    let mut z = y.dot(&m);
    z += b2;
    match z.as_slice_memory_order_mut() {
        Some(values) => encoder::activate_in_place::<F, O>(values),
        None => z.mapv_inplace(O::apply),
    }
    z
}

/// The decoder's weights as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DecoderWeights<'a, F> {
    /// The encoder's `W: [n_hidden, n_inputs]`, read transposed.
    Tied(&'a [F]),
    /// Weights of its own, `V: [n_inputs, n_hidden]`.
    Untied(&'a [F]),
}

impl<'a, F> DecoderWeights<'a, F> {
    /// The stored matrix, its rows and columns, and how the decoder's map `[n_inputs, n_hidden]`
    /// reads it.
    #[inline(always)]
    fn matrix(self, n_inputs: usize) -> (&'a [F], usize, usize, Op) {
        match self {
            Self::Tied(w) => (w, w.len() / n_inputs, n_inputs, Op::T),
            Self::Untied(v) => (v, n_inputs, v.len() / n_inputs, Op::N),
        }
    }
}

/// Lane-major output logits: `a2t = M yt + b2` with the decoder's map `M` (`Wᵀ` or `V`),
/// `yt: [n_hidden, lanes]`, `a2t: [n_inputs, lanes]`. The output activation is left to the
/// loss, which needs the logits.
#[inline(always)]
pub(crate) fn logits_lanes<F: Float>(
    weights: DecoderWeights<'_, F>,
    b2: &[F],
    yt: &[F],
    a2t: &mut [F],
    lanes: usize,
) {
    let n_inputs = b2.len();
    let (m, rows, cols, op) = weights.matrix(n_inputs);
    let a2t = &mut a2t[..n_inputs * lanes];
    for (row, &bias) in a2t.chunks_exact_mut(lanes).zip(b2) {
        row.fill(bias);
    }
    linalg::mat_lanes(m, rows, cols, op, yt, a2t, lanes, true);
}

/// Decoder share of the backward pass, lane-major.
///
/// From `delta = ∂L/∂A2`: adds the decoder's weight gradient to `grad_m` (tied: `Yᵀ ∂L/∂A2`,
/// the decoder's part of `∂L/∂W`; untied: `∂L/∂A2ᵀ Y = ∂L/∂V`), writes
/// `grad_b2 = Σ ∂L/∂A2`, and writes `∂L/∂Y = ∂L/∂A2 M` into `delta_hidden`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_lanes<F: Float>(
    weights: DecoderWeights<'_, F>,
    yt: &[F],
    delta: &[F],
    grad_m: &mut [F],
    grad_b2: &mut [F],
    delta_hidden: &mut [F],
    lanes: usize,
) {
    let n_inputs = grad_b2.len();
    let (m, rows, cols, op) = weights.matrix(n_inputs);
    let n_hidden = m.len() / n_inputs;
    linalg::sum_lanes(delta, lanes, grad_b2);
    let back = match op {
        Op::T => {
            linalg::outer_lanes_acc(yt, n_hidden, delta, n_inputs, lanes, grad_m);
            Op::N
        }
        Op::N => {
            linalg::outer_lanes_acc(delta, n_inputs, yt, n_hidden, lanes, grad_m);
            Op::T
        }
    };
    linalg::mat_lanes(m, rows, cols, back, delta, delta_hidden, lanes, false);
}
