//! Products on lane-major buffers.
//!
//! Inside the trainer a batch of `B` samples is stored feature-major, `[features, B]` row-major,
//! so that the innermost loops run across samples (lanes) and vectorise whatever `n_inputs` and
//! `n_hidden` are; wide layers are stored sample-major instead, and then the lanes are features
//! (see `gradient.rs`). Small products run as plain loops, which cost less than a GEMM call's set-up;
//! large ones go to faer's blocked GEMM. Both are deterministic: neither depends on threads.

use faer::{MatMut, MatRef};

use crate::float::Float;
use crate::kernels;

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
#[inline(always)]
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
    if is_gemm_sized(rows, inner, lanes) {
        let m = MatRef::from_row_major_slice(m, m_rows, m_cols);
        let m = if op == Op::N { m } else { m.transpose() };
        F::matmul(
            MatMut::from_row_major_slice_mut(&mut out[..rows * lanes], rows, lanes),
            m,
            MatRef::from_row_major_slice(&inp[..inner * lanes], inner, lanes),
            accumulate,
        );
        return;
    }
    // Register blocks of `R` rows by two vectors' worth of lanes; the block width depends on
    // the element size so that the accumulators fill about half the vector registers. One lane
    // (a batch of one sample) is a matrix-vector product.
    kernels::with_fma(
        #[inline(always)]
        |fma| match (lanes, size_of::<F>() == 4, fma) {
            (1, _, true) => mat_vec::<F, true>(m, m_cols, op, inp, out, rows, inner, accumulate),
            (1, _, false) => mat_vec::<F, false>(m, m_cols, op, inp, out, rows, inner, accumulate),
            (_, true, true) => mat_lanes_blocked::<F, 4, 16, true>(
                m, m_cols, op, inp, out, rows, inner, lanes, accumulate,
            ),
            (_, true, false) => mat_lanes_blocked::<F, 4, 16, false>(
                m, m_cols, op, inp, out, rows, inner, lanes, accumulate,
            ),
            (_, false, true) => mat_lanes_blocked::<F, 4, 8, true>(
                m, m_cols, op, inp, out, rows, inner, lanes, accumulate,
            ),
            (_, false, false) => mat_lanes_blocked::<F, 4, 8, false>(
                m, m_cols, op, inp, out, rows, inner, lanes, accumulate,
            ),
        },
    );
}

/// Whether [`mat_lanes`] sends a product of these sizes to the GEMM.
#[inline(always)]
pub(crate) fn is_gemm_sized(rows: usize, inner: usize, lanes: usize) -> bool {
    rows * inner * lanes >= GEMM_MIN_FLOPS
}

/// `out = m · wᵀ` (or `out += …` when `accumulate`) for row-major `m: [rows, inner]` and
/// `w: [lanes, inner]`. The GEMM reads `w` as it is; the crate's own loops read `w_t = wᵀ`
/// (`[inner, lanes]`), which the caller fills only when the product is not GEMM-sized.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn mat_lanes_by_transposed<F: Float>(
    m: &[F],
    rows: usize,
    inner: usize,
    w: &[F],
    w_t: &[F],
    out: &mut [F],
    lanes: usize,
    accumulate: bool,
) {
    if is_gemm_sized(rows, inner, lanes) {
        F::matmul(
            MatMut::from_row_major_slice_mut(&mut out[..rows * lanes], rows, lanes),
            MatRef::from_row_major_slice(&m[..rows * inner], rows, inner),
            MatRef::from_row_major_slice(w, lanes, inner).transpose(),
            accumulate,
        );
    } else {
        mat_lanes(m, rows, inner, Op::N, w_t, out, lanes, accumulate);
    }
}

/// [`mat_lanes`] for one lane: `out (+)= op(m) · inp` for vectors `inp: [inner]`,
/// `out: [rows]`, each output summed in the order of `k` (a dot product per row for [`Op::N`],
/// scaled rows of `m` added in order for [`Op::T`], which vectorises along them).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn mat_vec<F: Float, const FMA: bool>(
    m: &[F],
    m_cols: usize,
    op: Op,
    inp: &[F],
    out: &mut [F],
    rows: usize,
    inner: usize,
    accumulate: bool,
) {
    let (inp, out) = (&inp[..inner], &mut out[..rows]);
    if !accumulate {
        out.fill(F::zero());
    }
    match op {
        Op::N => {
            for (o, m_row) in out.iter_mut().zip(m.chunks_exact(m_cols)) {
                *o = m_row[..inner]
                    .iter()
                    .zip(inp)
                    .fold(*o, |s, (&c, &v)| kernels::madd::<F, FMA>(c, v, s));
            }
        }
        Op::T => {
            for (&v, m_row) in inp.iter().zip(m.chunks_exact(m_cols)) {
                for (o, &c) in out.iter_mut().zip(&m_row[..rows]) {
                    *o = kernels::madd::<F, FMA>(c, v, *o);
                }
            }
        }
    }
}

/// The loops of [`mat_lanes`]: blocks of `R` output rows by `L` lanes, whose `R · L` running
/// sums stay in registers across the inner dimension while each input vector is loaded once.
/// Each output is `out + Σ_k m_rk · inp_k` summed in the order of `k`, as a plain loop would
/// (with fused multiply-adds when `FMA`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn mat_lanes_blocked<F: Float, const R: usize, const L: usize, const FMA: bool>(
    m: &[F],
    m_cols: usize,
    op: Op,
    inp: &[F],
    out: &mut [F],
    rows: usize,
    inner: usize,
    lanes: usize,
    accumulate: bool,
) {
    let out = &mut out[..rows * lanes];
    let inp = &inp[..inner * lanes];
    let mut r0 = 0;
    while r0 < rows {
        // Whole blocks of R rows, then the remaining rows one at a time.
        let r = if r0 + R <= rows { R } else { 1 };
        let out = &mut out[r0 * lanes..(r0 + r) * lanes];
        match (op, r == R) {
            (Op::N, true) => {
                let m_rows: [&[F]; R] = std::array::from_fn(|i| &m[(r0 + i) * m_cols..][..inner]);
                let coefficients = (0..inner).map(|k| m_rows.map(|row| row[k]));
                row_block::<F, R, L, FMA>(coefficients, inp, out, inner, lanes, accumulate);
            }
            (Op::N, false) => {
                let coefficients = m[r0 * m_cols..][..inner].iter().map(|&c| [c]);
                row_block::<F, 1, L, FMA>(coefficients, inp, out, inner, lanes, accumulate);
            }
            (Op::T, true) => {
                // Columns r0..r0 + R of each row of `m`: checked once here, not per row.
                assert!(r0 + R <= m_cols);
                let coefficients = m.chunks_exact(m_cols).map(|row| {
                    let block: [F; R] = row[r0..r0 + R].try_into().expect("R coefficients");
                    block
                });
                row_block::<F, R, L, FMA>(coefficients, inp, out, inner, lanes, accumulate);
            }
            (Op::T, false) => {
                let coefficients = m.chunks_exact(m_cols).map(|row| [row[r0]]);
                row_block::<F, 1, L, FMA>(coefficients, inp, out, inner, lanes, accumulate);
            }
        }
        r0 += r;
    }
}

/// `R` rows of [`mat_lanes_blocked`]: `out[r, :] += Σ_k c_k[r] · inp[k, :]` (or `=` unless
/// `accumulate`) for the coefficients `c_k` in order, in blocks of `L` lanes whose `R · L`
/// running sums stay in registers over the whole of `k`.
#[inline(always)]
fn row_block<F: Float, const R: usize, const L: usize, const FMA: bool>(
    coefficients: impl Iterator<Item = [F; R]> + Clone,
    inp: &[F],
    out: &mut [F],
    inner: usize,
    lanes: usize,
    accumulate: bool,
) {
    let inp = &inp[..inner * lanes];
    let blocked = lanes - lanes % L;
    for start in (0..blocked).step_by(L) {
        // Lets the compiler drop the bounds checks of the loop over `k`.
        assert!(start + L <= lanes);
        let mut acc = [[F::zero(); L]; R];
        if accumulate {
            for (a, out_row) in acc.iter_mut().zip(out.chunks_exact(lanes)) {
                a.copy_from_slice(&out_row[start..start + L]);
            }
        }
        for (c, in_row) in coefficients.clone().zip(inp.chunks_exact(lanes)) {
            let v: &[F; L] = in_row[start..start + L].try_into().expect("a whole block");
            for (a, &c) in acc.iter_mut().zip(&c) {
                for (a, &v) in a.iter_mut().zip(v) {
                    *a = kernels::madd::<F, FMA>(c, v, *a);
                }
            }
        }
        for (a, out_row) in acc.iter().zip(out.chunks_exact_mut(lanes)) {
            out_row[start..start + L].copy_from_slice(a);
        }
    }
    if blocked < lanes {
        if !accumulate {
            for out_row in out.chunks_exact_mut(lanes) {
                out_row[blocked..].fill(F::zero());
            }
        }
        for (c, in_row) in coefficients.zip(inp.chunks_exact(lanes)) {
            for (&c, out_row) in c.iter().zip(out.chunks_exact_mut(lanes)) {
                for (o, &v) in out_row[blocked..].iter_mut().zip(&in_row[blocked..]) {
                    *o = kernels::madd::<F, FMA>(c, v, *o);
                }
            }
        }
    }
}

/// `out += p · qᵀ` for lane-major `p: [p_rows, lanes]`, `q: [q_rows, lanes]`;
/// `out` is row-major `[p_rows, q_rows]`. Each entry is a sum over the lanes.
#[inline(always)]
pub(crate) fn outer_lanes_acc<F: Float>(
    p: &[F],
    p_rows: usize,
    q: &[F],
    q_rows: usize,
    lanes: usize,
    out: &mut [F],
) {
    debug_assert_eq!(out.len(), p_rows * q_rows);
    if lanes == 1 {
        // A rank-one update, row by row (vectorises along the rows).
        for (&p, out_row) in p[..p_rows].iter().zip(out.chunks_exact_mut(q_rows)) {
            for (o, &q) in out_row.iter_mut().zip(&q[..q_rows]) {
                *o += p * q;
            }
        }
        return;
    }
    // Each entry is a reduction over the lanes: the loops pay a horizontal sum per entry, so
    // the GEMM wins earlier than for the other products.
    if p_rows * q_rows * lanes >= GEMM_MIN_FLOPS || (p_rows * q_rows >= 256 && lanes >= 16) {
        F::matmul(
            MatMut::from_row_major_slice_mut(out, p_rows, q_rows),
            MatRef::from_row_major_slice(&p[..p_rows * lanes], p_rows, lanes),
            MatRef::from_row_major_slice(&q[..q_rows * lanes], q_rows, lanes).transpose(),
            true,
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
#[inline(always)]
pub(crate) fn sum_lanes<F: Float>(values: &[F], lanes: usize, out: &mut [F]) {
    if lanes == 1 {
        out.copy_from_slice(&values[..out.len()]);
        return;
    }
    for (o, row) in out.iter_mut().zip(values.chunks_exact(lanes)) {
        *o = sum(row);
    }
}

/// `out[c] = Σ_r values[r, c]` for row-major `values: [rows, cols]` (sums over samples).
#[inline(always)]
pub(crate) fn sum_rows<F: Float>(values: &[F], cols: usize, out: &mut [F]) {
    let out = &mut out[..cols];
    out.fill(F::zero());
    for row in values.chunks_exact(cols) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// `out = inpᵀ` for row-major `inp: [rows, cols]`, `out: [cols, rows]`.
#[inline(always)]
pub(crate) fn transpose<F: Float>(inp: &[F], rows: usize, cols: usize, out: &mut [F]) {
    let inp = &inp[..rows * cols];
    rows_to_lanes(rows, |r| &inp[r * cols..][..cols], cols, out, rows, 0);
}

/// Copies `n` rows of `cols` values, `row(r)` for `r` in `0..n`, into lanes `first..first + n`
/// of the lane-major `out: [cols, lanes]`: `out[c · lanes + first + r] = row(r)[c]`. How a
/// batch's samples, wherever they lie, become its lanes.
#[inline(always)]
pub(crate) fn rows_to_lanes<'a, F: Float>(
    n: usize,
    row: impl Fn(usize) -> &'a [F],
    cols: usize,
    out: &mut [F],
    lanes: usize,
    first: usize,
) {
    // Eight rows at a time: every column's eight values are one contiguous run of lanes (one
    // sample at a time wrote each value to another cache line).
    const GROUP: usize = 8;
    let out = &mut out[..cols * lanes];
    let whole = n - n % GROUP;
    for r0 in (0..whole).step_by(GROUP) {
        let group: [&[F]; GROUP] = std::array::from_fn(|r| &row(r0 + r)[..cols]);
        for (c, column) in out.chunks_exact_mut(lanes).enumerate() {
            let run = &mut column[first + r0..][..GROUP];
            for (slot, values) in run.iter_mut().zip(&group) {
                *slot = values[c];
            }
        }
    }
    for r in whole..n {
        for (column, &v) in out.chunks_exact_mut(lanes).zip(&row(r)[..cols]) {
            column[first + r] = v;
        }
    }
}

/// Width of the independent partial sums that let reductions vectorise.
const ACCUMULATORS: usize = kernels::BLOCK;

/// `Σ a_k b_k`, with fixed partial sums (the result depends only on the inputs' order).
#[inline(always)]
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
    kernels::sum_tree(&acc) + tail
}

/// `Σ a_k`, with fixed partial sums.
#[inline(always)]
pub(crate) fn sum<F: Float>(a: &[F]) -> F {
    let mut acc = [F::zero(); ACCUMULATORS];
    let chunks = a.chunks_exact(ACCUMULATORS);
    let tail = chunks.remainder().iter().fold(F::zero(), |s, &x| s + x);
    for x in chunks {
        for k in 0..ACCUMULATORS {
            acc[k] += x[k];
        }
    }
    kernels::sum_tree(&acc) + tail
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
        for &(m_rows, m_cols, lanes) in &[(5, 9, 1), (12, 7, 1), (5, 9, 33), (64, 80, 64)] {
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

    /// Every shape around the tile size, rows taken out of order, into an offset run of lanes
    /// (the lanes outside it untouched), in f64 and f32; and `transpose`, built on it.
    #[test]
    fn rows_to_lanes_places_every_value() {
        fn check<F: Float>() {
            for n in [0, 1, 7, 8, 9, 17, 24] {
                for cols in [1, 7, 8, 9, 20] {
                    let (first, lanes) = (3, n + 5);
                    let data: Vec<F> = (0..(n + 2) * cols).map(|i| F::cast(i as f64)).collect();
                    let rows: Vec<usize> = (0..n).map(|j| (j * 7 + 1) % (n + 2)).collect();
                    let mut out = vec![F::cast(-1.0); cols * lanes];
                    rows_to_lanes(
                        n,
                        |j| &data[rows[j] * cols..][..cols],
                        cols,
                        &mut out,
                        lanes,
                        first,
                    );
                    for c in 0..cols {
                        for lane in 0..lanes {
                            let expected = match lane.checked_sub(first) {
                                Some(j) if j < n => data[rows[j] * cols + c],
                                _ => F::cast(-1.0),
                            };
                            assert_eq!(
                                out[c * lanes + lane],
                                expected,
                                "n {n} cols {cols} c {c} lane {lane}"
                            );
                        }
                    }
                }
            }
        }
        check::<f64>();
        check::<f32>();
        let (rows, cols) = (9, 20);
        let m: Vec<f64> = (0..rows * cols).map(|i| i as f64).collect();
        let mut t = vec![0.0; rows * cols];
        transpose(&m, rows, cols, &mut t);
        for (r, c) in (0..rows).flat_map(|r| (0..cols).map(move |c| (r, c))) {
            assert_eq!(t[c * rows + r].to_bits(), m[r * cols + c].to_bits());
        }
    }
}
