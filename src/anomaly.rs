//! Anomaly detection by reconstruction error: a model trained on normal data reconstructs
//! normal samples well and anomalies badly.

use ndarray::{Array1, ArrayBase, Data, Ix2};

use crate::{Activation, Error, Float, Result, Sigmoid, VanillaAutoencoder};

/// How the detector's threshold is fitted from the training scores.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Threshold {
    /// The `1 − contamination` quantile of the training scores (linear interpolation between
    /// order statistics), so about that fraction of the training rows is flagged.
    /// `contamination` must lie in (0, 1).
    Contamination(f64),
    /// `mean + k · std` of the training scores (population standard deviation).
    /// `k` must be finite and >= 0.
    MeanPlusStd(f64),
}

/// A trained autoencoder with a fitted anomaly threshold on its reconstruction errors.
///
/// # Examples
/// ```
/// use autoencoder::{AnomalyDetector, Threshold, TrainConfig, VanillaAutoencoder};
/// use ndarray::{Array2, array};
///
/// // Normal rows repeat one pattern; the outlier does not.
/// let normal = Array2::from_shape_fn((200, 4), |(i, j)| if (i + j) % 2 == 0 { 0.9 } else { 0.1 });
/// let mut model = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
/// model.fit(&normal, &TrainConfig::new().epochs(100))?;
/// let detector = AnomalyDetector::fit(model, &normal, Threshold::MeanPlusStd(3.0))?;
/// let labels = detector.predict(&array![[0.9, 0.1, 0.9, 0.1], [0.1, 0.1, 0.9, 0.9]])?;
/// assert_eq!(labels.to_vec(), vec![false, true]);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AnomalyDetector<F: Float, A: Activation = Sigmoid, O: Activation = A> {
    model: VanillaAutoencoder<F, A, O>,
    threshold: F,
}

impl<F: Float, A: Activation, O: Activation> AnomalyDetector<F, A, O> {
    /// Fits the threshold on the scores of `x` (usually the training data) under `rule`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a rule out of range; as
    /// [`VanillaAutoencoder::reconstruction_errors`] for the data, and [`Error::EmptyInput`]
    /// when `x` has no rows.
    pub fn fit<S: Data<Elem = F>>(
        model: VanillaAutoencoder<F, A, O>,
        x: &ArrayBase<S, Ix2>,
        rule: Threshold,
    ) -> Result<Self> {
        match rule {
            Threshold::Contamination(q) if !(q > 0.0 && q < 1.0) => {
                return Err(Error::InvalidParameter {
                    name: "contamination",
                    value: q,
                    expected: "in (0, 1)",
                });
            }
            Threshold::MeanPlusStd(k) if !(k.is_finite() && k >= 0.0) => {
                return Err(Error::InvalidParameter {
                    name: "k",
                    value: k,
                    expected: "finite and >= 0",
                });
            }
            _ => {}
        }
        let scores = model.reconstruction_errors(x)?;
        if scores.is_empty() {
            return Err(Error::EmptyInput);
        }
        let scores: Vec<f64> = scores.iter().map(|s| s.as_f64()).collect();
        let threshold = match rule {
            Threshold::Contamination(q) => quantile(scores, 1.0 - q),
            Threshold::MeanPlusStd(k) => {
                let n = scores.len() as f64;
                let mean = scores.iter().sum::<f64>() / n;
                let var = scores.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / n;
                mean + k * var.sqrt()
            }
        };
        Ok(Self {
            model,
            threshold: F::cast(threshold),
        })
    }

    /// Anomaly scores: each row's reconstruction error (mean squared error over its inputs).
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::reconstruction_errors`].
    pub fn scores<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array1<F>> {
        self.model.reconstruction_errors(x)
    }

    /// `true` for each row whose score exceeds the threshold.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::reconstruction_errors`].
    pub fn predict<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array1<bool>> {
        Ok(self.scores(x)?.mapv(|s| s > self.threshold))
    }

    /// The fitted threshold.
    pub fn threshold(&self) -> F {
        self.threshold
    }

    /// The underlying model.
    pub fn model(&self) -> &VanillaAutoencoder<F, A, O> {
        &self.model
    }

    /// The underlying model, consuming the detector.
    pub fn into_model(self) -> VanillaAutoencoder<F, A, O> {
        self.model
    }
}

/// The `p` quantile of `values` (not empty, finite), interpolating linearly between order
/// statistics (numpy's default).
fn quantile(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let position = p * (values.len() - 1) as f64;
    let (lower, upper) = (position.floor() as usize, position.ceil() as usize);
    values[lower] + (values[upper] - values[lower]) * (position - lower as f64)
}

/// Area under the ROC curve of `scores` for the labels `positive` (higher score = more
/// anomalous): the probability that a random positive scores above a random negative, ties
/// counting one half. `None` when either class is empty or the lengths differ.
///
/// # Examples
/// ```
/// use autoencoder::roc_auc;
/// assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
/// ```
pub fn roc_auc<F: Float>(scores: &[F], positive: &[bool]) -> Option<f64> {
    if scores.len() != positive.len() {
        return None;
    }
    let mut ranked: Vec<(f64, bool)> = scores
        .iter()
        .map(|s| s.as_f64())
        .zip(positive.iter().copied())
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_pos = ranked.iter().filter(|r| r.1).count();
    let n_neg = ranked.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
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
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn quantile_interpolates_like_numpy() {
        // numpy.quantile([1, 2, 3, 4, 10], 0.9) = 7.6
        assert_abs_diff_eq!(
            quantile(vec![10.0, 1.0, 3.0, 2.0, 4.0], 0.9),
            7.6,
            epsilon = 1e-12
        );
        assert_abs_diff_eq!(quantile(vec![5.0], 0.3), 5.0, epsilon = 0.0);
    }

    #[test]
    fn auc_counts_ties_as_halves() {
        assert_eq!(roc_auc(&[1.0, 1.0], &[true, false]), Some(0.5));
        assert_eq!(roc_auc(&[0.0, 1.0, 2.0], &[false, true, true]), Some(1.0));
        assert_eq!(roc_auc(&[2.0, 1.0, 0.0], &[false, true, true]), Some(0.0));
        assert_eq!(roc_auc(&[1.0, 2.0], &[true, true]), None);
        assert_eq!(roc_auc(&[1.0], &[true, false]), None);
    }
}
