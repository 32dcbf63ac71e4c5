//! Distances in code space: the anomaly score of [`Scoring::CodeNeighbours`], for normal data
//! made of several clusters, where a model can learn to reconstruct an unseen cluster well.
//!
//! [`Scoring::CodeNeighbours`]: super::Scoring::CodeNeighbours

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::float::Float;

/// The most training codes a detector keeps: bounds its file and the cost of a score
/// (`O(MAX_REFERENCE_CODES × code size)` per row).
pub const MAX_REFERENCE_CODES: usize = 4096;

/// The training rows whose codes a detector keeps: all of them up to
/// [`MAX_REFERENCE_CODES`], else that many evenly spaced rows (in order).
pub(crate) fn reference_rows(n_rows: usize) -> impl Iterator<Item = usize> {
    let kept = n_rows.min(MAX_REFERENCE_CODES);
    (0..kept).map(move |i| i * n_rows / kept)
}

/// The reference codes chosen from the codes of all training rows, and for each training row
/// its own index among them (if kept), so that its training score leaves itself out.
pub(crate) fn reference_codes<F: Float>(
    codes: ArrayView2<'_, F>,
) -> (Array2<F>, Vec<Option<usize>>) {
    let rows: Vec<usize> = reference_rows(codes.nrows()).collect();
    let mut own_index = vec![None; codes.nrows()];
    for (i, &row) in rows.iter().enumerate() {
        own_index[row] = Some(i);
    }
    (codes.select(Axis(0), &rows), own_index)
}

/// For each row of `codes`, the mean Euclidean distance to its `neighbours` nearest rows of
/// `reference`, leaving out reference row `skip(row)` when there is one. `neighbours` must be at
/// least 1 and at most the number of reference rows left after the skip.
pub(crate) fn mean_neighbour_distances<F: Float>(
    reference: ArrayView2<'_, F>,
    codes: ArrayView2<'_, F>,
    neighbours: usize,
    skip: impl Fn(usize) -> Option<usize>,
) -> Array1<F> {
    debug_assert_eq!(reference.ncols(), codes.ncols());
    let mut squared = Vec::with_capacity(reference.nrows());
    Array1::from_iter(codes.rows().into_iter().enumerate().map(|(row, code)| {
        let own = skip(row);
        squared.clear();
        squared.extend(
            reference
                .rows()
                .into_iter()
                .enumerate()
                .filter(|&(i, _)| Some(i) != own)
                .map(|(_, other)| {
                    other.iter().zip(code).fold(0.0, |sum, (&a, &b)| {
                        let d = (a - b).as_f64();
                        sum + d * d
                    })
                }),
        );
        let nearest = neighbours.min(squared.len());
        if nearest < squared.len() {
            squared.select_nth_unstable_by(nearest - 1, f64::total_cmp);
        }
        let sum: f64 = squared[..nearest].iter().map(|d| d.sqrt()).sum();
        F::cast(sum / nearest as f64)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn keeps_every_row_up_to_the_limit_then_evenly_spaced_ones() {
        assert_eq!(reference_rows(3).collect::<Vec<_>>(), vec![0, 1, 2]);
        let spaced: Vec<usize> = reference_rows(3 * MAX_REFERENCE_CODES).collect();
        assert_eq!(spaced.len(), MAX_REFERENCE_CODES);
        assert_eq!(&spaced[..3], &[0, 3, 6]);
        let (codes, own) = reference_codes(array![[0.0], [1.0], [2.0]].view());
        assert_eq!(codes, array![[0.0], [1.0], [2.0]]);
        assert_eq!(own, vec![Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn mean_of_the_nearest_distances() {
        let reference = array![[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [10.0, 0.0]];
        let codes = array![[0.0, 0.0], [6.0, 8.0]];
        // Row 0: distances 0, 5, 1, 10 -> nearest two 0 and 1; row 1: 10, 5, ~9.22, ~8.94.
        let d = mean_neighbour_distances(reference.view(), codes.view(), 2, |_| None);
        approx::assert_abs_diff_eq!(d[0], 0.5, epsilon = 0.0);
        assert!((d[1] - (5.0 + 80f64.sqrt()) / 2.0).abs() < 1e-12);
        // Leaving row 0 of the reference out for row 0: nearest 1 and 5.
        let d =
            mean_neighbour_distances(reference.view(), codes.view(), 2, |r| (r == 0).then_some(0));
        approx::assert_abs_diff_eq!(d[0], 3.0, epsilon = 0.0);
    }
}
