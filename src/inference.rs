//! Inference one sample at a time: the kernels behind both the one-row methods
//! (`encode_row`, …) and the batch methods (`encode`, …) of the models.
//!
//! A batch is computed row by row with the same kernels, so a batch's row and the one-row
//! result are equal bit for bit: each output is a sum in a fixed order that depends only on
//! the layer sizes, never on the number of rows or on the input's memory layout.

use ndarray::{Array1, Array2, ArrayBase, ArrayView1, Data, Ix1, Ix2};

use crate::{Activation, Error, Float, Result, encoder, kernels};

/// Independent partial sums of [`dot`], so that it vectorises.
const LANES: usize = 8;

/// `Σ_i a_i b_i`: in [`LANES`] partial sums over the whole groups of [`LANES`] terms, added
/// pairwise, then the remaining terms in order. The order is fixed by the length alone.
#[inline(always)]
fn dot<F: Float>(a: &[F], b: &[F]) -> F {
    let (a_groups, b_groups) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail = a_groups.remainder().iter().zip(b_groups.remainder());
    let tail = tail.fold(F::zero(), |s, (&x, &y)| s + x * y);
    let mut acc = [F::zero(); LANES];
    for (x, y) in a_groups.zip(b_groups) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    pairwise(acc) + tail
}

/// [`dot`] of `a` with a strided `b`, term for term the same sums (so the same result).
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
    pairwise(acc) + tail
}

#[inline(always)]
fn pairwise<F: Float>(acc: [F; LANES]) -> F {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
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
        Some(values) => rows.for_each(|((o, w_row), &b)| *o = dot(w_row, values) + b),
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

/// Samples per block of [`encode_block`] and [`decode_block`].
pub(crate) const BLOCK_ROWS: usize = 4;

/// [`encode_into`] for [`BLOCK_ROWS`] contiguous samples at once, reading each row of `W` once
/// for all of them: every output is the same sum, in the same order, as one sample's.
#[inline(always)]
pub(crate) fn encode_block<F: Float, A: Activation>(
    (w, b1): (&[F], &[F]),
    xs: [&[F]; BLOCK_ROWS],
    mut outs: [&mut [F]; BLOCK_ROWS],
) {
    let n_inputs = xs[0].len();
    let whole = n_inputs - n_inputs % LANES;
    for (j, (w_row, &b)) in w.chunks_exact(n_inputs).zip(b1).enumerate() {
        let mut acc = [[F::zero(); LANES]; BLOCK_ROWS];
        for start in (0..whole).step_by(LANES) {
            let w_group = &w_row[start..start + LANES];
            for (acc, x) in acc.iter_mut().zip(xs) {
                let x_group = &x[start..start + LANES];
                for k in 0..LANES {
                    acc[k] += w_group[k] * x_group[k];
                }
            }
        }
        for ((acc, x), out) in acc.into_iter().zip(xs).zip(outs.iter_mut()) {
            let tail = (whole..n_inputs).fold(F::zero(), |s, i| s + w_row[i] * x[i]);
            out[j] = pairwise(acc) + tail + b;
        }
    }
    for out in outs {
        encoder::activate_in_place::<F, A>(out);
    }
}

/// [`decode_into`] for [`BLOCK_ROWS`] codes at once, reading each row of `W` once for all of
/// them: every output is the same sum, in the same order, as one code's.
#[inline(always)]
pub(crate) fn decode_block<F: Float, O: Activation>(
    (w, b2): (&[F], &[F]),
    ys: [&[F]; BLOCK_ROWS],
    outs: [&mut [F]; BLOCK_ROWS],
) {
    let n_inputs = b2.len();
    let [o0, o1, o2, o3] = outs;
    let (o0, o1, o2, o3) = (
        &mut o0[..n_inputs],
        &mut o1[..n_inputs],
        &mut o2[..n_inputs],
        &mut o3[..n_inputs],
    );
    for o in [&mut *o0, &mut *o1, &mut *o2, &mut *o3] {
        o.fill(F::zero());
    }
    for (j, w_row) in w.chunks_exact(n_inputs).enumerate() {
        let (y0, y1, y2, y3) = (ys[0][j], ys[1][j], ys[2][j], ys[3][j]);
        for (i, &w_ji) in w_row.iter().enumerate() {
            o0[i] += y0 * w_ji;
            o1[i] += y1 * w_ji;
            o2[i] += y2 * w_ji;
            o3[i] += y3 * w_ji;
        }
    }
    for o in [o0, o1, o2, o3] {
        for (o, &b) in o.iter_mut().zip(b2) {
            *o += b;
        }
        encoder::activate_in_place::<F, O>(o);
    }
}

/// `[n_rows, width]` from `x`'s rows (in standard layout, copied into it if need be): whole
/// blocks of [`BLOCK_ROWS`] rows go to `block`, the rest one by one to `row`; on the best
/// instruction set of the CPU.
pub(crate) fn map_row_blocks<F: Float, S: Data<Elem = F>>(
    x: &ArrayBase<S, Ix2>,
    width: usize,
    mut block: impl FnMut([&[F]; BLOCK_ROWS], [&mut [F]; BLOCK_ROWS]),
    mut row: impl FnMut(&[F], &mut [F]),
) -> Array2<F> {
    let x = x.as_standard_layout();
    let mut out = Array2::zeros((x.nrows(), width));
    let n_inputs = x.ncols();
    // Both arrays are in standard layout, hence contiguous.
    let inputs = x.as_slice().expect("standard layout is contiguous");
    let outputs = out.as_slice_mut().expect("standard layout is contiguous");
    if n_inputs == 0 || width == 0 {
        return out;
    }
    kernels::vectorized(
        #[inline(always)]
        || {
            let mut in_blocks = inputs.chunks_exact(BLOCK_ROWS * n_inputs);
            let mut out_blocks = outputs.chunks_exact_mut(BLOCK_ROWS * width);
            for (x, out) in (&mut in_blocks).zip(&mut out_blocks) {
                let (x01, x23) = x.split_at(2 * n_inputs);
                let ((x0, x1), (x2, x3)) = (x01.split_at(n_inputs), x23.split_at(n_inputs));
                let (o01, o23) = out.split_at_mut(2 * width);
                let ((o0, o1), (o2, o3)) = (o01.split_at_mut(width), o23.split_at_mut(width));
                block([x0, x1, x2, x3], [o0, o1, o2, o3]);
            }
            let rest = in_blocks.remainder().chunks_exact(n_inputs);
            for (x, out) in rest.zip(out_blocks.into_remainder().chunks_exact_mut(width)) {
                row(x, out);
            }
        },
    );
    out
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
    let sum = pairwise(acc) + tail;
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
