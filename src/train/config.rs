//! Training hyperparameters: a builder, then one validation step.

use crate::{Error, Loss, Result};

/// Validated training hyperparameters, produced by [`TrainConfig::check`].
///
/// The fields are private; read them through the accessors.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTrainConfig {
    learning_rate: f64,
    momentum: f64,
    nesterov: bool,
    weight_decay: f64,
    epochs: usize,
    batch_size: usize,
    loss: Loss,
    shuffle: bool,
    seed: u64,
    tolerance: f64,
}

impl ValidTrainConfig {
    /// Step size `η`.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    /// Momentum `μ`.
    pub fn momentum(&self) -> f64 {
        self.momentum
    }
    /// Whether the momentum step is Nesterov's.
    pub fn nesterov(&self) -> bool {
        self.nesterov
    }
    /// L2 penalty `λ` on `W`.
    pub fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    /// Maximum number of epochs.
    pub fn epochs(&self) -> usize {
        self.epochs
    }
    /// Rows per batch.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
    /// The reconstruction loss.
    pub fn loss(&self) -> Loss {
        self.loss
    }
    /// Whether rows are shuffled each epoch.
    pub fn shuffle(&self) -> bool {
        self.shuffle
    }
    /// Seed of the shuffling generator.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Training stops once an epoch's loss is at or below this.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }
}

/// Training hyperparameters, set by consuming builder methods and validated once by
/// [`check`](TrainConfig::check) (which `fit` calls for you).
///
/// # Examples
/// ```
/// use autoencoder::{Loss, TrainConfig};
///
/// let config = TrainConfig::new()
///     .learning_rate(0.1)
///     .momentum(0.9)
///     .epochs(100)
///     .batch_size(1)
///     .loss(Loss::Mse)
///     .shuffle(true)
///     .seed(7);
/// assert!(config.check_ref().is_ok());
/// assert!(TrainConfig::new().momentum(1.0).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig(ValidTrainConfig);

impl Default for TrainConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl TrainConfig {
    /// The defaults: learning rate 0.1, momentum 0.9, no Nesterov, no weight decay, 100 epochs,
    /// batch size 1, MSE, shuffling on, seed 0, tolerance 0.
    pub fn new() -> Self {
        Self(ValidTrainConfig {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: false,
            weight_decay: 0.0,
            epochs: 100,
            batch_size: 1,
            loss: Loss::Mse,
            shuffle: true,
            seed: 0,
            tolerance: 0.0,
        })
    }

    /// Step size `η`. Defaults to 0.1. Must be finite and > 0.
    #[must_use]
    pub fn learning_rate(mut self, learning_rate: f64) -> Self {
        self.0.learning_rate = learning_rate;
        self
    }

    /// Momentum `μ` of `v ← μ v + g`. Defaults to 0.9. Must lie in [0, 1).
    #[must_use]
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.0.momentum = momentum;
        self
    }

    /// Nesterov momentum, `θ ← θ − η (g + μ v)`. Defaults to `false`.
    #[must_use]
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.0.nesterov = nesterov;
        self
    }

    /// L2 penalty `λ`: adds `λ W` to the gradient of `W` (biases are not decayed).
    /// Defaults to 0. Must be finite and >= 0.
    #[must_use]
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.0.weight_decay = weight_decay;
        self
    }

    /// Number of passes over the data. Defaults to 100. Must be > 0.
    #[must_use]
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.0.epochs = epochs;
        self
    }

    /// Rows per batch; the last batch of an epoch may be smaller. Defaults to 1 (online
    /// training). Must be > 0.
    #[must_use]
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.0.batch_size = batch_size;
        self
    }

    /// The reconstruction loss. Defaults to [`Loss::Mse`].
    #[must_use]
    pub fn loss(mut self, loss: Loss) -> Self {
        self.0.loss = loss;
        self
    }

    /// Whether the rows are permuted, anew each epoch, before they are cut into batches.
    /// Defaults to `true`.
    #[must_use]
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.0.shuffle = shuffle;
        self
    }

    /// Seed of the shuffling generator (ChaCha8). Defaults to 0.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// Stop once an epoch's loss is at or below this. Defaults to 0. Must be finite and >= 0.
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.0.tolerance = tolerance;
        self
    }

    /// Validates every hyperparameter and returns the checked form.
    ///
    /// # Errors
    /// [`Error::InvalidLearningRate`], [`Error::InvalidMomentum`], [`Error::InvalidWeightDecay`],
    /// [`Error::InvalidTolerance`], [`Error::ZeroEpochs`] or [`Error::ZeroBatchSize`].
    pub fn check(self) -> Result<ValidTrainConfig> {
        self.check_ref()?;
        Ok(self.0)
    }

    /// Validates every hyperparameter without consuming the builder.
    ///
    /// # Errors
    /// As [`check`](TrainConfig::check).
    pub fn check_ref(&self) -> Result<&ValidTrainConfig> {
        let c = &self.0;
        if !(c.learning_rate.is_finite() && c.learning_rate > 0.0) {
            return Err(Error::InvalidLearningRate(c.learning_rate));
        }
        if !(0.0..1.0).contains(&c.momentum) {
            return Err(Error::InvalidMomentum(c.momentum));
        }
        if !(c.weight_decay.is_finite() && c.weight_decay >= 0.0) {
            return Err(Error::InvalidWeightDecay(c.weight_decay));
        }
        if !(c.tolerance.is_finite() && c.tolerance >= 0.0) {
            return Err(Error::InvalidTolerance(c.tolerance));
        }
        if c.epochs == 0 {
            return Err(Error::ZeroEpochs);
        }
        if c.batch_size == 0 {
            return Err(Error::ZeroBatchSize);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_article() {
        let c = TrainConfig::new().check().unwrap();
        assert_eq!((c.epochs(), c.batch_size(), c.seed()), (100, 1, 0));
        assert!(c.shuffle() && !c.nesterov());
        assert_eq!(c.loss(), Loss::Mse);
        approx::assert_abs_diff_eq!(c.learning_rate(), 0.1);
        approx::assert_abs_diff_eq!(c.momentum(), 0.9);
        approx::assert_abs_diff_eq!(c.weight_decay(), 0.0);
    }

    #[test]
    fn each_range_is_checked() {
        let bad = |c: TrainConfig| c.check().unwrap_err();
        assert!(matches!(bad(TrainConfig::new().learning_rate(0.0)), Error::InvalidLearningRate(_)));
        assert!(matches!(bad(TrainConfig::new().learning_rate(-1.0)), Error::InvalidLearningRate(_)));
        assert!(matches!(bad(TrainConfig::new().learning_rate(f64::NAN)), Error::InvalidLearningRate(_)));
        assert!(matches!(bad(TrainConfig::new().learning_rate(f64::INFINITY)), Error::InvalidLearningRate(_)));
        assert!(matches!(bad(TrainConfig::new().momentum(1.0)), Error::InvalidMomentum(_)));
        assert!(matches!(bad(TrainConfig::new().momentum(-0.1)), Error::InvalidMomentum(_)));
        assert!(matches!(bad(TrainConfig::new().momentum(f64::NAN)), Error::InvalidMomentum(_)));
        assert!(matches!(bad(TrainConfig::new().weight_decay(-1e-3)), Error::InvalidWeightDecay(_)));
        assert!(matches!(bad(TrainConfig::new().tolerance(f64::NAN)), Error::InvalidTolerance(_)));
        assert!(matches!(bad(TrainConfig::new().epochs(0)), Error::ZeroEpochs));
        assert!(matches!(bad(TrainConfig::new().batch_size(0)), Error::ZeroBatchSize));
        assert!(TrainConfig::new().momentum(0.0).check().is_ok());
    }
}
