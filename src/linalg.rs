//! Products on lane-major buffers.
//!
//! Inside the trainer a batch of `B` samples is stored feature-major, `[features, B]` row-major,
//! so that the innermost loops run across samples (lanes) and vectorise whatever `n_inputs` and
//! `n_hidden` are. Small products run as plain loops, which cost less than a GEMM call's set-up;
//! large ones go to `ndarray`'s blocked GEMM. Both are deterministic: neither depends on threads.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use crate::Float;

/// Products with at least this many multiply-adds use the blocked GEMM.
const GEMM_MIN_FLOPS: usize = 48 * 48 * 48;

/// How a row-major matrix enters a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// As stored.
    N,
    /// Transposed.
    T,
}

/// `out = op(m) · inp` (or `out += …` when `accumulate`), lane-major.
///
/// `m` is row-major `[m_rows, m_cols]`; `inp` is `[inner, lanes]`, `out` is `[rows, lanes]`, where
/// `(rows, inner)` is `(m_rows, m_cols)` for [`Op::N`] and `(m_cols, m_rows)` for [`Op::T`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn mat_lanes<F: Float>(
    m: &[F],
    m_rows: usize,
    m_cols: usize,
    op: Op,
    inp: &[F],
    out: &mut [F],
    lanes: usize,
    accumulate: bool,
) {
    let (rows, inner) = match op {
        Op::N => (m_rows, m_cols),
        Op::T => (m_cols, m_rows),
    };
    debug_assert_eq!(m.len(), m_rows * m_cols);
    debug_assert!(inp.len() >= inner * lanes && out.len() >= rows * lanes);
    if rows * inner * lanes >= GEMM_MIN_FLOPS {
        let m = view(m, m_rows, m_cols);
        let m = if op == Op::N { m } else { m.reversed_axes() };
        let beta = if accumulate { F::one() } else { F::zero() };
        general_mat_mul(
            F::one(),
            &m,
            &view(&inp[..inner * lanes], inner, lanes),
            beta,
            &mut view_mut(&mut out[..rows * lanes], rows, lanes),
        );
        return;
    }
    let coefficient = |r: usize, k: usize| match op {
        Op::N => m[r * m_cols + k],
        Op::T => m[k * m_cols + r],
    };
    let blocked = lanes - lanes % LANE_BLOCK;
    for (r, out_row) in out.chunks_exact_mut(lanes).take(rows).enumerate() {
        if !accumulate {
            out_row.fill(F::zero());
        }
        // Whole blocks of lanes: the running sums stay in registers across the inner loop.
        for start in (0..blocked).step_by(LANE_BLOCK) {
            let out_block = &mut out_row[start..start + LANE_BLOCK];
            let mut acc = [F::zero(); LANE_BLOCK];
            acc.copy_from_slice(out_block);
            for (k, in_row) in inp.chunks_exact(lanes).take(inner).enumerate() {
                let c = coefficient(r, k);
                let in_block: &[F; LANE_BLOCK] = in_row[start..start + LANE_BLOCK]
                    .try_into()
                    .expect("a whole block");
                for (a, &v) in acc.iter_mut().zip(in_block) {
                    *a += c * v;
                }
            }
            out_block.copy_from_slice(&acc);
        }
        for (k, in_row) in inp.chunks_exact(lanes).take(inner).enumerate() {
            let c = coefficient(r, k);
            for (o, &v) in out_row[blocked..].iter_mut().zip(&in_row[blocked..]) {
                *o += c * v;
            }
        }
    }
}

/// Lanes summed together in registers by [`mat_lanes`].
const LANE_BLOCK: usize = 16;

/// `out += p · qᵀ` for lane-major `p: [p_rows, lanes]`, `q: [q_rows, lanes]`;
/// `out` is row-major `[p_rows, q_rows]`. Each entry is a sum over the lanes.
pub(crate) fn outer_lanes_acc<F: Float>(
    p: &[F],
    p_rows: usize,
    q: &[F],
    q_rows: usize,
    lanes: usize,
    out: &mut [F],
) {
    debug_assert_eq!(out.len(), p_rows * q_rows);
    // Each entry is a reduction over the lanes: the loops pay a horizontal sum per entry, so
    // the GEMM wins earlier than for the other products.
    if p_rows * q_rows * lanes >= GEMM_MIN_FLOPS || (p_rows * q_rows >= 256 && lanes >= 16) {
        general_mat_mul(
            F::one(),
            &view(&p[..p_rows * lanes], p_rows, lanes),
            &view(&q[..q_rows * lanes], q_rows, lanes).reversed_axes(),
            F::one(),
            &mut view_mut(out, p_rows, q_rows),
        );
        return;
    }
    for (p_row, out_row) in p.chunks_exact(lanes).zip(out.chunks_exact_mut(q_rows)) {
        for (o, q_row) in out_row.iter_mut().zip(q.chunks_exact(lanes)) {
            *o += dot(p_row, q_row);
        }
    }
}

/// `out[r] = Σ_lanes values[r, :]` for lane-major `values: [rows, lanes]`.
pub(crate) fn sum_lanes<F: Float>(values: &[F], lanes: usize, out: &mut [F]) {
    for (o, row) in out.iter_mut().zip(values.chunks_exact(lanes)) {
        *o = sum(row);
    }
}

/// Width of the independent partial sums that let reductions vectorise.
const ACCUMULATORS: usize = 8;

/// `Σ a_k b_k`, with fixed partial sums (the result depends only on the inputs' order).
#[inline]
pub(crate) fn dot<F: Float>(a: &[F], b: &[F]) -> F {
    let mut acc = [F::zero(); ACCUMULATORS];
    let (a_chunks, b_chunks) = (a.chunks_exact(ACCUMULATORS), b.chunks_exact(ACCUMULATORS));
    let tail = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .fold(F::zero(), |s, (&x, &y)| s + x * y);
    for (x, y) in a_chunks.zip(b_chunks) {
        for k in 0..ACCUMULATORS {
            acc[k] += x[k] * y[k];
        }
    }
    reduce(acc) + tail
}

/// `Σ a_k`, with fixed partial sums.
#[inline]
pub(crate) fn sum<F: Float>(a: &[F]) -> F {
    let mut acc = [F::zero(); ACCUMULATORS];
    let chunks = a.chunks_exact(ACCUMULATORS);
    let tail = chunks.remainder().iter().fold(F::zero(), |s, &x| s + x);
    for x in chunks {
        for k in 0..ACCUMULATORS {
            acc[k] += x[k];
        }
    }
    reduce(acc) + tail
}

#[inline(always)]
fn reduce<F: Float>(acc: [F; ACCUMULATORS]) -> F {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

fn view<F: Float>(data: &[F], rows: usize, cols: usize) -> ArrayView2<'_, F> {
    // The callers pass slices of exactly rows * cols elements.
    ArrayView2::from_shape((rows, cols), data).expect("slice length equals rows * cols")
}

fn view_mut<F: Float>(data: &mut [F], rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
    // The callers pass slices of exactly rows * cols elements.
    ArrayViewMut2::from_shape((rows, cols), data).expect("slice length equals rows * cols")
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::Array2;

    fn filled(rows: usize, cols: usize, seed: f64) -> Array2<f64> {
        Array2::from_shape_fn((rows, cols), |(r, c)| {
            ((r * 31 + c * 17) as f64 * seed).sin()
        })
    }

    /// Both paths (plain loops and GEMM) against ndarray's `dot`.
    #[test]
    fn products_agree_with_ndarray_on_both_paths() {
        for &(m_rows, m_cols, lanes) in &[(5, 9, 1), (5, 9, 33), (64, 80, 64)] {
            let m = filled(m_rows, m_cols, 0.37);
            let inp_n = filled(m_cols, lanes, 0.11);
            let inp_t = filled(m_rows, lanes, 0.23);
            let m_slice = m.as_slice().unwrap();

            let mut out = vec![1.0; m_rows * lanes];
            mat_lanes(
                m_slice,
                m_rows,
                m_cols,
                Op::N,
                inp_n.as_slice().unwrap(),
                &mut out,
                lanes,
                true,
            );
            let expected = m.dot(&inp_n) + 1.0;
            for (a, b) in out.iter().zip(expected.iter()) {
                assert_abs_diff_eq!(a, b, epsilon = 1e-12);
            }

            let mut out = vec![7.0; m_cols * lanes];
            mat_lanes(
                m_slice,
                m_rows,
                m_cols,
                Op::T,
                inp_t.as_slice().unwrap(),
                &mut out,
                lanes,
                false,
            );
            let expected = m.t().dot(&inp_t);
            for (a, b) in out.iter().zip(expected.iter()) {
                assert_abs_diff_eq!(a, b, epsilon = 1e-12);
            }

            let mut acc = vec![0.5; m_rows * m_cols];
            outer_lanes_acc(
                inp_t.as_slice().unwrap(),
                m_rows,
                inp_n.as_slice().unwrap(),
                m_cols,
                lanes,
                &mut acc,
            );
            let expected = inp_t.dot(&inp_n.t()) + 0.5;
            for (a, b) in acc.iter().zip(expected.iter()) {
                assert_abs_diff_eq!(a, b, epsilon = 1e-12);
            }
        }
    }

    #[test]
    fn reductions_cover_every_element() {
        let a: Vec<f64> = (1..=21).map(f64::from).collect();
        assert_abs_diff_eq!(sum(&a), 231.0, epsilon = 0.0);
        assert_abs_diff_eq!(dot(&a, &a), 3311.0, epsilon = 0.0);
        let mut out = [0.0; 3];
        sum_lanes(&a, 7, &mut out);
        assert_abs_diff_eq!(out[..], [28.0, 77.0, 126.0][..], epsilon = 0.0);
    }
}
