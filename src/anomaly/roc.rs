//! The area under the ROC curve, for measuring detectors.

use crate::error::{Error, Result};
use crate::float::Float;

/// Area under the ROC curve of `scores` for the labels `positive` (higher score = more
/// anomalous): the probability that a random positive scores above a random negative, ties
/// counting one half.
///
/// Takes slices, vectors, arrays and views alike (anything that iterates over `&F` and `&bool`).
///
/// # Errors
/// [`Error::LengthMismatch`] when the lengths differ; [`Error::NonFiniteScore`] for a NaN or
/// infinite score; [`Error::SingleClass`] when all labels are equal (the area is undefined).
///
/// # Examples
/// ```
/// use autoencoder::roc_auc;
/// use ndarray::array;
///
/// assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true])?, 0.75);
/// assert_eq!(roc_auc(&array![0.1, 0.9], &array![false, true])?, 1.0);
/// assert!(roc_auc(&[f64::NAN, 0.9], &[false, true]).is_err());
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub fn roc_auc<'a, F, S, P>(scores: S, positive: P) -> Result<f64>
where
    F: Float,
    S: IntoIterator<Item = &'a F>,
    P: IntoIterator<Item = &'a bool>,
{
    let scores: Vec<f64> = scores.into_iter().map(|s| s.as_f64()).collect();
    let labels: Vec<bool> = positive.into_iter().copied().collect();
    if scores.len() != labels.len() {
        return Err(Error::LengthMismatch {
            expected: scores.len(),
            found: labels.len(),
        });
    }
    if let Some(row) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::NonFiniteScore {
            row: Some(row),
            value: scores[row],
        });
    }
    let mut ranked: Vec<(f64, bool)> = scores.into_iter().zip(labels).collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_pos = ranked.iter().filter(|r| r.1).count();
    let n_neg = ranked.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(Error::SingleClass);
    }
    // Mann–Whitney U from average ranks (1-based) of tied groups.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < ranked.len() {
        let mut j = i;
        while j + 1 < ranked.len() && ranked[j + 1].0.total_cmp(&ranked[i].0).is_eq() {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += average_rank * ranked[i..=j].iter().filter(|r| r.1).count() as f64;
        i = j + 1;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_halves() {
        assert_eq!(roc_auc(&[1.0, 1.0], &[true, false]), Ok(0.5));
        assert_eq!(roc_auc(&[0.0, 1.0, 2.0], &[false, true, true]), Ok(1.0));
        assert_eq!(roc_auc(&[2.0, 1.0, 0.0], &[false, true, true]), Ok(0.0));
        assert_eq!(roc_auc(&[1.0, 2.0], &[true, true]), Err(Error::SingleClass));
        assert!(matches!(
            roc_auc(&[1.0], &[true, false]),
            Err(Error::LengthMismatch {
                expected: 1,
                found: 2
            })
        ));
        assert!(matches!(
            roc_auc(&[1.0, f64::NAN], &[true, false]),
            Err(Error::NonFiniteScore { row: Some(1), .. })
        ));
    }
}
