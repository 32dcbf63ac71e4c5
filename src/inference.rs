//! Inference one sample at a time: the kernels behind the models' one-row methods
//! (`encode_row`, …). Each output is a sum in a fixed order that depends only on the layer
//! sizes, never on the input's memory layout; the batch methods use matrix products instead,
//! so a batch's row agrees with the one-row result to rounding.

use ndarray::{ArrayBase, ArrayView1, Data, Ix1};

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::{encoder, kernels, linalg};

/// Independent partial sums of the dot products, so that they vectorise.
const LANES: usize = kernels::BLOCK;

/// [`linalg::dot`] of `a` with a strided `b`, term for term the same sums (so the same result).
#[inline(always)]
fn dot_strided<F: Float>(a: &[F], b: ArrayView1<'_, F>) -> F {
    let whole = a.len() - a.len() % LANES;
    let tail = (whole..a.len()).fold(F::zero(), |s, i| s + a[i] * b[i]);
    let mut acc = [F::zero(); LANES];
    for start in (0..whole).step_by(LANES) {
        for k in 0..LANES {
            acc[k] += a[start + k] * b[start + k];
        }
    }
    kernels::sum_tree(&acc) + tail
}

/// `out = f(W x + b1)` for one sample `x: [n_inputs]`, `out: [n_hidden]`.
#[inline(always)]
pub(crate) fn encode_into<F: Float, A: Activation>(
    (w, b1): (&[F], &[F]),
    x: ArrayView1<'_, F>,
    out: &mut [F],
) {
    let n_inputs = x.len();
    let rows = out.iter_mut().zip(w.chunks_exact(n_inputs)).zip(b1);
    // A slice when `x` is contiguous (which vectorises), else the strided view: the same sums.
    match x.as_slice() {
        Some(values) => rows.for_each(|((o, w_row), &b)| *o = linalg::dot(w_row, values) + b),
        None => rows.for_each(|((o, w_row), &b)| *o = dot_strided(w_row, x) + b),
    }
    encoder::activate_in_place::<F, A>(out);
}

/// `out = f(Wᵀ y + b2)` for one code `y: [n_hidden]`, `out: [n_inputs]`: the rows of `W`
/// scaled by `y` are added in order.
#[inline(always)]
pub(crate) fn decode_into<F: Float, O: Activation>(
    (w, b2): (&[F], &[F]),
    y: ArrayView1<'_, F>,
    out: &mut [F],
) {
    out.fill(F::zero());
    for (&y_j, w_row) in y.iter().zip(w.chunks_exact(out.len())) {
        for (o, &w_ji) in out.iter_mut().zip(w_row) {
            *o += y_j * w_ji;
        }
    }
    for (o, &b) in out.iter_mut().zip(b2) {
        *o += b;
    }
    encoder::activate_in_place::<F, O>(out);
}

/// `d · d`.
#[inline(always)]
fn square<F: Float>(d: F) -> F {
    d * d
}

/// The mean over the columns of `(z − x)²` (once per row, so a plain indexed loop).
#[inline(always)]
pub(crate) fn mean_squared_error<F: Float>(z: &[F], x: ArrayView1<'_, F>) -> F {
    let mut acc = [F::zero(); LANES];
    let whole = z.len() - z.len() % LANES;
    let tail = (whole..z.len()).fold(F::zero(), |s, i| s + square(z[i] - x[i]));
    for start in (0..whole).step_by(LANES) {
        for k in 0..LANES {
            acc[k] += square(z[start + k] - x[start + k]);
        }
    }
    let n = F::cast(z.len() as f64);
    let mean = (kernels::sum_tree(&acc) + tail) / n;
    if mean.is_finite() {
        return mean;
    }
    // Squares of huge differences overflow where their mean need not (see
    // `row_mean_squared_errors`): scale by the largest difference.
    let top = z
        .iter()
        .zip(x)
        .fold(F::zero(), |m, (&z, &x)| m.max((z - x).abs()));
    if !top.is_finite() {
        return F::infinity();
    }
    let scaled = z
        .iter()
        .zip(x)
        .fold(F::zero(), |s, (&z, &x)| s + square((z - x) / top))
        / n;
    square(top * scaled.sqrt())
}

/// Checks one sample: `expected` values, all finite (reported as row 0).
pub(crate) fn check_row<F: Float, S: Data<Elem = F>>(
    x: &ArrayBase<S, Ix1>,
    expected: usize,
) -> Result<()> {
    if x.len() != expected {
        return Err(Error::ShapeMismatch {
            expected,
            found: x.len(),
        });
    }
    match x.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(column) => Err(Error::NonFiniteInput {
            row: 0,
            column,
            value: x[column].as_f64(),
        }),
    }
}
