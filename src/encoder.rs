//! The encoder `Y = f(X Wᵀ + b1)` and its share of the backward pass.

use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};

use crate::activation::Activation;
use crate::float::Float;
use crate::kernels;
use crate::linalg::{self, Op};

/// `Y = f(X Wᵀ + b1)` for row-major data `X: [n_samples, n_inputs]`.
pub(crate) fn encode<F, A, S>(w: &Array2<F>, b1: &Array1<F>, x: &ArrayBase<S, Ix2>) -> Array2<F>
where
    F: Float,
    A: Activation,
    S: Data<Elem = F>,
{
    let mut y = x.dot(&w.t());
    y += b1;
    match y.as_slice_memory_order_mut() {
        Some(values) => activate_in_place::<F, A>(values),
        None => y.mapv_inplace(A::apply),
    }
    y
}

/// Applies `A` to every element, with the vectorised sigmoid or tanh where there is one.
#[inline(always)]
pub(crate) fn activate_in_place<F: Float, A: Activation>(values: &mut [F]) {
    if A::LOGISTIC {
        kernels::sigmoid_in_place(values);
    } else if A::TANH {
        kernels::tanh_in_place(values);
    } else {
        A::apply_in_place(values);
    }
}

/// Lane-major forward pass: `yt = f(W xt + b1)`, `xt: [n_inputs, lanes]`, `yt: [n_hidden, lanes]`.
#[inline(always)]
pub(crate) fn forward_lanes<F: Float, A: Activation>(
    w: &[F],
    b1: &[F],
    xt: &[F],
    yt: &mut [F],
    lanes: usize,
) {
    let (n_hidden, n_inputs) = (b1.len(), w.len() / b1.len());
    let yt = &mut yt[..n_hidden * lanes];
    for (row, &bias) in yt.chunks_exact_mut(lanes).zip(b1) {
        row.fill(bias);
    }
    linalg::mat_lanes(w, n_hidden, n_inputs, Op::N, xt, yt, lanes, true);
    activate_in_place::<F, A>(yt);
}

/// `∂L/∂A1 = ∂L/∂Y ⊙ f'(A1)` in place, lane-major, with `f'` taken from the outputs `yt`.
#[inline(always)]
pub(crate) fn preactivation_delta_lanes<F: Float, A: Activation>(yt: &[F], delta: &mut [F]) {
    for (d, &y) in delta.iter_mut().zip(yt) {
        *d *= A::derivative(y);
    }
}

/// Encoder share of the tied gradient, lane-major: `grad_w += ∂L/∂A1ᵀ X`, `grad_b1 = Σ ∂L/∂A1`.
#[inline(always)]
pub(crate) fn backward_lanes<F: Float>(
    xt: &[F],
    delta: &[F],
    grad_w: &mut [F],
    grad_b1: &mut [F],
    lanes: usize,
) {
    let (n_hidden, n_inputs) = (grad_b1.len(), grad_w.len() / grad_b1.len());
    linalg::sum_lanes(delta, lanes, grad_b1);
    linalg::outer_lanes_acc(delta, n_hidden, xt, n_inputs, lanes, grad_w);
}
