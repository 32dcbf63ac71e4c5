//! Anomaly detection: a model trained on normal data reconstructs normal samples well and
//! anomalies badly ([`Scoring::Reconstruction`]); where normal data is made of several clusters,
//! the distance of a row's code to the training rows' codes ([`Scoring::CodeNeighbours`]).
//!
//! The file is long for the public API it documents (about a third of it is docs and
//! examples); the nearest-code search is in `neighbours.rs`.

mod neighbours;
mod roc;

use std::fmt;

use ndarray::{Array1, Array2, ArrayBase, ArrayView2, Data, Ix2};

pub use neighbours::MAX_REFERENCE_CODES;
pub use roc::roc_auc;

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

/// What a detector scores rows by (higher = more anomalous).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Scoring {
    /// Each row's reconstruction error (mean squared error over its inputs): the default, and
    /// the better score where normal data is one population.
    #[default]
    Reconstruction,
    /// The mean Euclidean distance from a row's code to its `neighbours` nearest codes of the
    /// training rows. The detector keeps those codes (all of them up to
    /// [`MAX_REFERENCE_CODES`], else that many evenly spaced rows); a training row's own score,
    /// from which the threshold is set, leaves its own code out. Use it where normal data is
    /// made of several clusters (several digits, say), where an autoencoder can learn to
    /// reconstruct an unseen kind of row well: on `QUALITY.md`'s digits with one digit as the
    /// anomaly class it lifts the mean ROC AUC from 0.88 to 0.96. `neighbours` must be at least
    /// 1 and below the number of training rows; [`Scoring::code_neighbours`] gives 5.
    CodeNeighbours {
        /// How many nearest training codes to average the distance over.
        neighbours: usize,
    },
}

impl Scoring {
    /// [`Scoring::CodeNeighbours`] with 5 neighbours.
    pub const fn code_neighbours() -> Self {
        Scoring::CodeNeighbours { neighbours: 5 }
    }

    /// Checks the setting against the number of training rows.
    fn check(self, n_rows: usize) -> Result<Self> {
        match self {
            Scoring::CodeNeighbours { neighbours }
                if neighbours == 0 || neighbours >= n_rows.min(MAX_REFERENCE_CODES) =>
            {
                Err(Error::InvalidParameter {
                    name: "neighbours",
                    value: neighbours as f64,
                    expected: "at least 1 and below the number of training rows (at most 4096)",
                })
            }
            _ => Ok(self),
        }
    }
}

/// An autoencoder with an anomaly threshold on its scores (reconstruction errors unless another
/// [`Scoring`] is chosen): rows whose score exceeds the threshold are anomalies.
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
///
/// Scored by distance in code space ([`Scoring::CodeNeighbours`]):
/// ```
/// use autoencoder::{AnomalyDetector, Scoring, Threshold, TrainConfig, VanillaAutoencoder};
/// use ndarray::{Array2, array};
///
/// // Two kinds of normal rows.
/// let normal = Array2::from_shape_fn((200, 4), |(i, j)| if (i / 100 + j) % 2 == 0 { 0.9 } else { 0.1 });
/// let model = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
/// let config = TrainConfig::new().epochs(100);
/// let detector = AnomalyDetector::train_with_scoring(
///     model, &normal, &config, Threshold::Contamination(0.01), Scoring::code_neighbours(),
/// )?;
/// assert_eq!(detector.reference_codes().map(|c| c.dim()), Some((200, 2)));
/// let labels = detector.predict(&array![[0.1, 0.9, 0.1, 0.9], [0.5, 0.5, 0.5, 0.5]])?;
/// assert_eq!(labels.to_vec(), vec![false, true]);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Clone)]
pub struct AnomalyDetector<F: Float, M = VanillaAutoencoder<F>> {
    model: M,
    threshold: F,
    rule: Threshold,
    scoring: Scoring,
    /// The training codes that [`Scoring::CodeNeighbours`] measures distances to (0 rows for
    /// [`Scoring::Reconstruction`]).
    reference: Array2<F>,
}

impl<F: Float, M: fmt::Debug> fmt::Debug for AnomalyDetector<F, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnomalyDetector")
            .field("model", &self.model)
            .field("threshold", &self.threshold)
            .field("rule", &self.rule)
            .field("scoring", &self.scoring)
            .field("reference_codes", &self.reference.dim())
            .finish()
    }
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
        Self::fit_with_scoring(model, x, rule, Scoring::Reconstruction)
    }

    /// As [`fit`](Self::fit), scoring rows by `scoring`; for [`Scoring::CodeNeighbours`] the
    /// detector keeps the codes of `x` (the training data).
    ///
    /// # Errors
    /// As [`fit`](Self::fit); [`Error::InvalidParameter`] for a number of neighbours out of
    /// range.
    pub fn fit_with_scoring<S: Data<Elem = F>>(
        model: M,
        x: &ArrayBase<S, Ix2>,
        rule: Threshold,
        scoring: Scoring,
    ) -> Result<Self> {
        let rule = rule.check()?;
        if x.nrows() == 0 {
            return Err(Error::EmptyInput);
        }
        let scoring = scoring.check(x.nrows())?;
        let (scores, reference) = match scoring {
            Scoring::Reconstruction => (
                model.reconstruction_errors(x.view())?,
                Array2::zeros((0, 0)),
            ),
            Scoring::CodeNeighbours { neighbours } => {
                let codes = model.encode(x.view())?;
                let (reference, own_index) = neighbours::reference_codes(codes.view());
                let scores = leave_one_out_scores(&reference, &codes, neighbours, &own_index);
                (scores, reference)
            }
        };
        let threshold = rule.apply(finite_scores(&scores)?);
        Self::from_parts(model, F::cast(threshold), rule, scoring, reference)
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
        Self::from_parts(
            model,
            threshold,
            Threshold::Fixed(threshold.as_f64()),
            Scoring::Reconstruction,
            Array2::zeros((0, 0)),
        )
    }

    /// Trains `model` on `x` under `config`, then sets the threshold by `rule` from the
    /// training scores.
    ///
    /// # Errors
    /// As [`Autoencoder::fit`], then as [`fit`](Self::fit). The rule is checked before training.
    pub fn train<S: Data<Elem = F>>(
        model: M,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
        rule: Threshold,
    ) -> Result<Self> {
        Self::train_with_scoring(model, x, config, rule, Scoring::Reconstruction)
    }

    /// As [`train`](Self::train), scoring rows by `scoring` (see
    /// [`fit_with_scoring`](Self::fit_with_scoring)).
    ///
    /// # Errors
    /// As [`train`](Self::train); the rule and the scoring are checked before training.
    pub fn train_with_scoring<S: Data<Elem = F>>(
        mut model: M,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
        rule: Threshold,
        scoring: Scoring,
    ) -> Result<Self> {
        rule.check()?;
        scoring.check(x.nrows())?;
        model.fit(x.view(), config)?;
        Self::fit_with_scoring(model, x, rule, scoring)
    }

    /// Anomaly scores by the detector's [`Scoring`]: each row's reconstruction error (mean
    /// squared error over its inputs), or its code's mean distance to the nearest training
    /// codes. A score too large for `F` is `+∞`.
    ///
    /// # Errors
    /// As [`Autoencoder::reconstruction_errors`].
    pub fn scores<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array1<F>> {
        match self.scoring {
            Scoring::Reconstruction => self.model.reconstruction_errors(x.view()),
            Scoring::CodeNeighbours { neighbours } => {
                let codes = self.model.encode(x.view())?;
                Ok(neighbours::mean_neighbour_distances(
                    self.reference.view(),
                    codes.view(),
                    neighbours,
                    |_| None,
                ))
            }
        }
    }

    /// The scores of the training rows `x` (all of them, in the order given to
    /// [`fit_with_scoring`](Self::fit_with_scoring)) as the threshold was set from them. Under
    /// [`Scoring::CodeNeighbours`] each row's own code is left out of its neighbours (in
    /// [`scores`](Self::scores) a training row would be its own nearest code, at distance 0);
    /// under [`Scoring::Reconstruction`] they are [`scores`](Self::scores).
    ///
    /// # Errors
    /// As [`scores`](Self::scores); under [`Scoring::CodeNeighbours`],
    /// [`Error::NotTrainingRows`] when the codes of `x` are not, bit for bit, those the
    /// detector kept.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{AnomalyDetector, Scoring, Threshold, VanillaAutoencoder};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((50, 4), |(i, j)| ((i * 7 + j * 3) % 53) as f64 / 53.0);
    /// let model = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
    /// let rule = Threshold::Contamination(0.1);
    /// let detector = AnomalyDetector::fit_with_scoring(model, &x, rule, Scoring::code_neighbours())?;
    /// let scores = detector.training_scores(&x)?;
    /// // A tenth of the training rows score above the threshold set from these scores.
    /// assert_eq!(scores.iter().filter(|&&s| detector.is_anomaly(s)).count(), 5);
    /// assert!(detector.training_scores(&x.slice(ndarray::s![1.., ..])).is_err());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn training_scores<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array1<F>> {
        let Scoring::CodeNeighbours { neighbours } = self.scoring else {
            return self.scores(x);
        };
        let codes = self.model.encode(x.view())?;
        let (reference, own_index) = neighbours::reference_codes(codes.view());
        let same_bits = reference.dim() == self.reference.dim()
            && reference
                .iter()
                .zip(&self.reference)
                .all(|(a, b)| a.as_f64().to_bits() == b.as_f64().to_bits());
        if !same_bits {
            return Err(Error::NotTrainingRows);
        }
        Ok(leave_one_out_scores(
            &reference, &codes, neighbours, &own_index,
        ))
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

    /// What rows are scored by.
    pub fn scoring(&self) -> Scoring {
        self.scoring
    }

    /// The training codes that [`Scoring::CodeNeighbours`] measures distances to (`None` for
    /// [`Scoring::Reconstruction`]).
    pub fn reference_codes(&self) -> Option<ArrayView2<'_, F>> {
        (self.scoring != Scoring::Reconstruction).then(|| self.reference.view())
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
            scoring: self.scoring,
            reference: self.reference,
        }
    }

    /// A detector from its parts, checked: the rule's parameter, a threshold that is finite in
    /// `F` (one that does not fit would flag nothing, or everything), and for
    /// [`Scoring::CodeNeighbours`] finite reference codes of the model's code width, more of
    /// them than the neighbours.
    pub(crate) fn from_parts(
        model: M,
        threshold: F,
        rule: Threshold,
        scoring: Scoring,
        reference: Array2<F>,
    ) -> Result<Self> {
        rule.check()?;
        if !threshold.is_finite() {
            return Err(Error::NonFiniteScore {
                row: None,
                value: threshold.as_f64(),
            });
        }
        let reference = match scoring {
            Scoring::Reconstruction => Array2::zeros((0, 0)),
            Scoring::CodeNeighbours { .. } => {
                scoring.check(reference.nrows() + 1)?;
                if reference.ncols() != model.n_code() {
                    return Err(Error::InvalidPipeline(format!(
                        "the reference codes have {} columns, the model's codes {}",
                        reference.ncols(),
                        model.n_code()
                    )));
                }
                if reference.iter().any(|v| !v.is_finite()) {
                    return Err(Error::InvalidPipeline(
                        "the reference codes hold a value that is not finite".into(),
                    ));
                }
                reference
            }
        };
        Ok(Self {
            model,
            threshold,
            rule,
            scoring,
            reference,
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
/// The code-neighbour scores of the training rows (`codes`), each leaving out its own code
/// (`own_index`, from [`neighbours::reference_codes`]).
fn leave_one_out_scores<F: Float>(
    reference: &Array2<F>,
    codes: &Array2<F>,
    neighbours: usize,
    own_index: &[Option<usize>],
) -> Array1<F> {
    neighbours::mean_neighbour_distances(reference.view(), codes.view(), neighbours, |row| {
        own_index[row]
    })
}

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
}
