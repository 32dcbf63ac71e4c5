//! Inference one sample at a time: the kernels behind both the one-row methods
//! (`encode_row`, …) and the batch methods (`encode`, …) of the models.
//!
//! A batch is computed row by row with the same kernels, so a batch's row and the one-row
//! result are equal bit for bit: each output is a sum in a fixed order that depends only on
//! the layer sizes, never on the number of rows or on the input's memory layout.

use ndarray::{Array1, Array2, ArrayBase, ArrayView1, Data, Ix1, Ix2};

use crate::{Activation, Error, Float, Result, encoder, kernels};

/// Independent partial sums of [`fixed_order_sum`], so that it vectorises.
const LANES: usize = 8;

/// `Σ_i term(i)` for `i < len`, in [`LANES`] partial sums added pairwise at the end, then the
/// terms past the last whole group of [`LANES`] in order: a fixed order, which vectorises.
#[inline(always)]
fn fixed_order_sum<F: Float>(len: usize, term: impl Fn(usize) -> F) -> F {
    let mut acc = [F::zero(); LANES];
    let whole = len - len % LANES;
    for start in (0..whole).step_by(LANES) {
        for (k, a) in acc.iter_mut().enumerate() {
            *a += term(start + k);
        }
    }
    let tail = (whole..len).fold(F::zero(), |s, i| s + term(i));
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `out = f(W x + b1)` for one sample `x: [n_inputs]`, `out: [n_hidden]`.
#[inline(always)]
pub(crate) fn encode_into<F: Float, A: Activation>(
    (w, b1): (&[F], &[F]),
    x: ArrayView1<'_, F>,
    out: &mut [F],
) {
    #[inline(always)]
    fn products<F: Float>((w, b1): (&[F], &[F]), x: impl Fn(usize) -> F + Copy, out: &mut [F]) {
        let n_inputs = w.len() / b1.len();
        for ((o, w_row), &b) in out.iter_mut().zip(w.chunks_exact(n_inputs)).zip(b1) {
            *o = fixed_order_sum(w_row.len(), |i| w_row[i] * x(i)) + b;
        }
    }
    // A slice when `x` is contiguous (which vectorises), else the strided view: the values,
    // and so the results, are the same.
    match x.as_slice() {
        Some(values) => {
            let values = &values[..w.len() / b1.len()];
            products((w, b1), |i| values[i], out);
        }
        None => products((w, b1), |i| x[i], out),
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

/// The mean over the columns of `(z − x)²`.
#[inline(always)]
pub(crate) fn mean_squared_error<F: Float>(z: &[F], x: ArrayView1<'_, F>) -> F {
    let square = |d: F| d * d;
    let sum = match x.as_slice() {
        Some(values) => {
            let values = &values[..z.len()];
            fixed_order_sum(z.len(), |i| square(z[i] - values[i]))
        }
        None => fixed_order_sum(z.len(), |i| square(z[i] - x[i])),
    };
    sum / F::cast(z.len() as f64)
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

/// `[n_rows, width]` from `f(row, out_row)` applied to every row of `x` (in standard layout,
/// copied into it if need be), on the best instruction set of the CPU.
pub(crate) fn map_rows<F: Float, S: Data<Elem = F>>(
    x: &ArrayBase<S, Ix2>,
    width: usize,
    mut f: impl FnMut(ArrayView1<'_, F>, &mut [F]),
) -> Array2<F> {
    let x = x.as_standard_layout();
    let mut out = Array2::zeros((x.nrows(), width));
    kernels::vectorized(
        #[inline(always)]
        || {
            for (row, mut out_row) in x.rows().into_iter().zip(out.rows_mut()) {
                // Rows of a fresh array in standard layout are contiguous.
                let out_row = out_row
                    .as_slice_mut()
                    .expect("standard layout is contiguous");
                f(row, out_row);
            }
        },
    );
    out
}

/// `f(row)` for every row of `x`, on the best instruction set of the CPU.
pub(crate) fn map_rows_to_values<F: Float, S: Data<Elem = F>>(
    x: &ArrayBase<S, Ix2>,
    mut f: impl FnMut(ArrayView1<'_, F>) -> F,
) -> Array1<F> {
    let x = x.as_standard_layout();
    kernels::vectorized(
        #[inline(always)]
        || x.rows().into_iter().map(&mut f).collect(),
    )
}
