//! Anomaly detection by reconstruction error: a model trained on normal data reconstructs
//! normal samples well and anomalies badly.

use ndarray::{Array1, ArrayBase, Data, Ix2};

use crate::any_model::Autoencoder;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::model::VanillaAutoencoder;
use crate::train::config::TrainConfig;

/// How the detector's threshold is set.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Threshold {
    /// The `1 − contamination` quantile of the training scores (linear interpolation between
    /// order statistics), so about that fraction of the training rows is flagged.
    /// `contamination` must lie in (0, 1).
    Contamination(f64),
    /// `mean + k · std` of the training scores (population standard deviation).
    /// `k` must be finite and >= 0.
    MeanPlusStd(f64),
    /// This value, whatever the training scores. It must be finite.
    Fixed(f64),
}

impl Threshold {
    /// Checks the rule's parameter.
    fn check(self) -> Result<Self> {
        let (name, value, ok, expected) = match self {
            Threshold::Contamination(q) => ("contamination", q, q > 0.0 && q < 1.0, "in (0, 1)"),
            Threshold::MeanPlusStd(k) => ("k", k, k.is_finite() && k >= 0.0, "finite and >= 0"),
            Threshold::Fixed(t) => ("threshold", t, t.is_finite(), "finite"),
        };
        if ok {
            Ok(self)
        } else {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        }
    }

    /// The threshold this rule gives for `scores` (not empty, all finite).
    fn apply(self, scores: Vec<f64>) -> f64 {
        match self {
            Threshold::Contamination(q) => quantile(scores, 1.0 - q),
            Threshold::MeanPlusStd(k) => {
                let plain = mean_plus_std(&scores, 1.0, k);
                if plain.is_finite() {
                    return plain;
                }
                // Squares of huge scores overflow: scale by the largest score.
                let top = scores.iter().fold(0.0f64, |m, &s| m.max(s));
                top * mean_plus_std(&scores, top, k)
            }
            Threshold::Fixed(t) => t,
        }
    }
}

/// An autoencoder with an anomaly threshold on its reconstruction errors: rows whose error
/// exceeds the threshold are anomalies.
///
/// Any of the crate's models works (`M` is [`VanillaAutoencoder`] unless given; a
/// [`StackedAutoencoder`](crate::StackedAutoencoder), or a `Box<dyn Autoencoder<F>>` when the
/// kind is chosen at run time). [`fit`](Self::fit) wraps a trained model,
/// [`train`](Self::train) trains it first (the habit of PyOD's `fit`).
///
/// # Examples
/// ```
/// use autoencoder::{AnomalyDetector, Threshold, TrainConfig, VanillaAutoencoder};
/// use ndarray::{Array2, array};
///
/// // Normal rows repeat one pattern; the outlier does not.
/// let normal = Array2::from_shape_fn((200, 4), |(i, j)| if (i + j) % 2 == 0 { 0.9 } else { 0.1 });
/// let model = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
/// let config = TrainConfig::new().epochs(100);
/// let detector = AnomalyDetector::train(model, &normal, &config, Threshold::MeanPlusStd(3.0))?;
/// let labels = detector.predict(&array![[0.9, 0.1, 0.9, 0.1], [0.1, 0.1, 0.9, 0.9]])?;
/// assert_eq!(labels.to_vec(), vec![false, true]);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AnomalyDetector<F: Float, M = VanillaAutoencoder<F>> {
    model: M,
    threshold: F,
    rule: Threshold,
}

impl<F: Float, M: Autoencoder<F>> AnomalyDetector<F, M> {
    /// Sets the threshold of a trained `model` by `rule` from the scores of `x` (usually the
    /// training data; not used by [`Threshold::Fixed`] beyond its checks).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a rule out of range; as
    /// [`Autoencoder::reconstruction_errors`] for the data; [`Error::EmptyInput`] when `x` has no
    /// rows; [`Error::NonFiniteScore`] when a row's reconstruction error overflows (unscaled data
    /// of huge magnitude: scale it first).
    pub fn fit<S: Data<Elem = F>>(
        model: M,
        x: &ArrayBase<S, Ix2>,
        rule: Threshold,
    ) -> Result<Self> {
        let rule = rule.check()?;
        let scores = model.reconstruction_errors(x.view())?;
        if scores.is_empty() {
            return Err(Error::EmptyInput);
        }
        let threshold = rule.apply(finite_scores(&scores)?);
        Self::from_parts(model, F::cast(threshold), rule)
    }

    /// A detector with a fixed `threshold` and no data.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `threshold` is finite (in `F`).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{AnomalyDetector, Threshold, VanillaAutoencoder};
    /// let model = VanillaAutoencoder::<f32>::new(3, 2, 0)?;
    /// let detector = AnomalyDetector::with_threshold(model, 0.25)?;
    /// assert_eq!((detector.threshold(), detector.rule()), (0.25, Threshold::Fixed(0.25)));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn with_threshold(model: M, threshold: F) -> Result<Self> {
        Self::from_parts(model, threshold, Threshold::Fixed(threshold.as_f64()))
    }

    /// Trains `model` on `x` under `config`, then sets the threshold by `rule` from the
    /// training scores.
    ///
    /// # Errors
    /// As [`Autoencoder::fit`], then as [`fit`](Self::fit). The rule is checked before training.
    pub fn train<S: Data<Elem = F>>(
        mut model: M,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
        rule: Threshold,
    ) -> Result<Self> {
        rule.check()?;
        model.fit(x.view(), config)?;
        Self::fit(model, x, rule)
    }

    /// Anomaly scores: each row's reconstruction error (mean squared error over its inputs).
    /// A score too large for `F` is `+∞`.
    ///
    /// # Errors
    /// As [`Autoencoder::reconstruction_errors`].
    pub fn scores<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array1<F>> {
        self.model.reconstruction_errors(x.view())
    }

    /// `true` for each row whose score exceeds the threshold; a row whose score is not a
    /// finite number (its reconstruction overflowed) counts as an anomaly.
    ///
    /// # Errors
    /// As [`Autoencoder::reconstruction_errors`].
    pub fn predict<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array1<bool>> {
        Ok(self.scores(x)?.mapv(|s| self.is_anomaly(s)))
    }

    /// Whether one score is an anomaly under this detector's threshold (see
    /// [`predict`](Self::predict)).
    pub fn is_anomaly(&self, score: F) -> bool {
        score > self.threshold || score.is_nan()
    }

    /// The threshold.
    pub fn threshold(&self) -> F {
        self.threshold
    }

    /// How the threshold was set.
    pub fn rule(&self) -> Threshold {
        self.rule
    }

    /// The underlying model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The underlying model, consuming the detector.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The same detector with its model boxed, for code that handles every model kind at once.
    pub fn into_boxed(self) -> AnomalyDetector<F, Box<dyn Autoencoder<F>>>
    where
        M: 'static,
    {
        AnomalyDetector {
            model: Box::new(self.model),
            threshold: self.threshold,
            rule: self.rule,
        }
    }

    /// A detector from its parts, checked: the rule's parameter, and a threshold that is finite
    /// in `F` (one that does not fit would flag nothing, or everything).
    pub(crate) fn from_parts(model: M, threshold: F, rule: Threshold) -> Result<Self> {
        rule.check()?;
        if !threshold.is_finite() {
            return Err(Error::NonFiniteScore {
                row: None,
                value: threshold.as_f64(),
            });
        }
        Ok(Self {
            model,
            threshold,
            rule,
        })
    }
}

/// `mean + k · std` of `scores / scale` (population standard deviation).
fn mean_plus_std(scores: &[f64], scale: f64, k: f64) -> f64 {
    let n = scores.len() as f64;
    let mean = scores.iter().map(|s| s / scale).sum::<f64>() / n;
    let var = scores
        .iter()
        .map(|s| (s / scale - mean) * (s / scale - mean))
        .sum::<f64>()
        / n;
    mean + k * var.sqrt()
}

/// The scores as `f64`, or the first one that is not finite as an error.
fn finite_scores<F: Float>(scores: &Array1<F>) -> Result<Vec<f64>> {
    scores
        .iter()
        .enumerate()
        .map(|(row, s)| {
            let value = s.as_f64();
            if value.is_finite() {
                Ok(value)
            } else {
                Err(Error::NonFiniteScore {
                    row: Some(row),
                    value,
                })
            }
        })
        .collect()
}

/// The `p` quantile of `values` (not empty, finite), interpolating linearly between order
/// statistics (numpy's default).
fn quantile(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let position = p * (values.len() - 1) as f64;
    let (lower, upper) = (position.floor() as usize, position.ceil() as usize);
    let (low, high, fraction) = (values[lower], values[upper], position - lower as f64);
    let step = high - low;
    if step.is_finite() {
        low + step * fraction
    } else {
        // The difference of two huge scores overflows; their weighted sum does not.
        low * (1.0 - fraction) + high * fraction
    }
}

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
