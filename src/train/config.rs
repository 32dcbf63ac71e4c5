//! Training hyperparameters: a builder, then one validation step.
//!
//! The file is long for one documented builder method per setting, and the checks and their
//! tests.

use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::train::regularize::{Contractive, Noise, Sparsity};
use crate::train::schedule::LearningRateSchedule;

/// The optimiser `fit` uses.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Optimizer {
    /// SGD with momentum (see [`TrainConfig::momentum`] and [`TrainConfig::nesterov`]).
    #[default]
    Sgd,
    /// Adam, in PyTorch's form (see [`Adam`](crate::Adam)).
    Adam {
        /// Decay of the first moment, in [0, 1). PyTorch's default is 0.9.
        beta1: f64,
        /// Decay of the second moment, in [0, 1). PyTorch's default is 0.999.
        beta2: f64,
        /// Denominator offset, finite and > 0. PyTorch's default is 1e-8.
        epsilon: f64,
    },
    /// Full-batch L-BFGS with a strong-Wolfe line search (see [`Optimizer::lbfgs`]): every
    /// epoch is one iteration over all training rows.
    Lbfgs {
        /// Curvature pairs kept, in 1..=[`Optimizer::MAX_LBFGS_HISTORY`].
        history: usize,
        /// Converged when the largest gradient element is at most this, finite and >= 0.
        gradient_tolerance: f64,
        /// Converged when an iteration lowers the objective by at most this fraction of it,
        /// finite and >= 0.
        loss_tolerance: f64,
    },
}

impl Optimizer {
    /// The longest L-BFGS history accepted: its memory is `2 · history` copies of the
    /// parameters, allocated before training.
    pub const MAX_LBFGS_HISTORY: usize = 100;

    /// Full-batch L-BFGS with a history of 10 pairs, gradient tolerance `1e-9` and loss
    /// tolerance `1e-12`.
    ///
    /// It suits data sets whose gradient over all rows is cheap (up to some tens of thousands
    /// of rows), and converges much further than SGD or Adam in the same time there. Each
    /// epoch is one iteration: a direction from the stored curvature pairs, then a line search
    /// that evaluates the loss and gradient on all training rows until the strong Wolfe
    /// conditions hold (at most 20 evaluations), so [`TrainConfig::epochs`] is the iteration
    /// budget. Training stops early with [`StopReason::Converged`](crate::StopReason::Converged)
    /// when a tolerance is met or no step lowers the loss any more.
    ///
    /// The learning rate, momentum, batch size and shuffling do not apply (the line search sets
    /// the step, and every evaluation uses all rows); the weight decay adds `λ/2 ‖W‖²` to the
    /// objective. Noise, the sparsity and contractive penalties and learning-rate schedules
    /// are rejected ([`Error::OptionNotApplicable`]): the line search needs a deterministic
    /// objective whose value it can compute.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Identity, Optimizer, StopReason, TrainConfig, VanillaAutoencoder};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((40, 5), |(i, j)| ((i * (j + 1)) % 7) as f64 / 6.0 - 0.5);
    /// let mut model = VanillaAutoencoder::<f64, Identity>::new(5, 2, 0)?;
    /// let config = TrainConfig::new().optimizer(Optimizer::lbfgs()).epochs(500);
    /// let report = model.fit(&x, &config)?;
    /// assert_eq!(report.stop_reason(), StopReason::Converged);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn lbfgs() -> Self {
        Self::lbfgs_keeping(10)
    }

    /// [`Optimizer::lbfgs`] keeping `history` curvature pairs.
    pub(crate) fn lbfgs_keeping(history: usize) -> Self {
        Optimizer::Lbfgs {
            history,
            gradient_tolerance: 1e-9,
            loss_tolerance: 1e-12,
        }
    }

    /// Adam with PyTorch's defaults: `β1 = 0.9`, `β2 = 0.999`, `ε = 1e-8`.
    pub fn adam() -> Self {
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

/// Early stopping on the monitored loss (validation loss if there is validation data, else the
/// training loss). Training ends with the best parameters seen.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EarlyStop {
    /// Epochs without an improvement larger than `min_delta` before training stops, > 0.
    pub patience: usize,
    /// Improvement that counts, finite and >= 0.
    pub min_delta: f64,
}

/// Validated training hyperparameters, produced by [`TrainConfig::check`].
///
/// The fields are private; read them through the accessors.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
    optimizer: Optimizer,
    schedule: LearningRateSchedule,
    validation_fraction: Option<f64>,
    early_stopping: Option<EarlyStop>,
    sparsity: Option<Sparsity>,
    contractive: Option<Contractive>,
    noise: Noise,
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
    /// The optimiser.
    pub fn optimizer(&self) -> Optimizer {
        self.optimizer
    }
    /// The learning-rate schedule.
    pub fn schedule(&self) -> LearningRateSchedule {
        self.schedule
    }
    /// Fraction of the rows held out for validation, if any.
    pub fn validation_fraction(&self) -> Option<f64> {
        self.validation_fraction
    }
    /// Early stopping, if on.
    pub fn early_stopping(&self) -> Option<EarlyStop> {
        self.early_stopping
    }
    /// KL sparsity penalty, if on.
    pub fn sparsity(&self) -> Option<Sparsity> {
        self.sparsity
    }
    /// Contractive penalty, if on.
    pub fn contractive(&self) -> Option<Contractive> {
        self.contractive
    }

    /// The options that change a batch's loss or gradient beyond plain reconstruction. Every
    /// field of the config is named here, so a new option does not compile until it is sorted
    /// into these or the others; and every model's `check_config`, the stage sequence and
    /// [`is_plain`](Self::is_plain) take [`GradientOptions`] apart field by field, so a new
    /// one does not compile until each of them applies or rejects it.
    pub(crate) fn gradient_options(&self) -> GradientOptions {
        let Self {
            // Applied by the optimiser step or the epoch loop, the same on every path.
            learning_rate: _,
            momentum: _,
            nesterov: _,
            weight_decay: _,
            epochs: _,
            batch_size: _,
            loss: _,
            shuffle: _,
            seed: _,
            tolerance: _,
            optimizer: _,
            schedule: _,
            validation_fraction: _,
            early_stopping: _,
            // Change a batch's gradient.
            sparsity,
            contractive,
            noise,
        } = self;
        GradientOptions {
            noise: *noise,
            sparsity: *sparsity,
            contractive: *contractive,
        }
    }

    /// Plain reconstruction: no input noise and no penalty on the hidden layer. The fast paths
    /// (online padded, row form) compute plain reconstruction only.
    pub(crate) fn is_plain(&self) -> bool {
        let GradientOptions {
            noise,
            sparsity,
            contractive,
        } = self.gradient_options();
        !noise.is_active() && sparsity.is_none() && contractive.is_none()
    }
    /// Input corruption (denoising).
    pub fn noise(&self) -> Noise {
        self.noise
    }

    /// Rejects what full-batch L-BFGS cannot apply: its line search compares values of one
    /// deterministic objective, which noise changes from call to call, the penalties' values
    /// are not computed for, and a schedule has no step to scale.
    fn check_full_batch(&self) -> Result<()> {
        let with = "L-BFGS";
        let not_applicable = |option, reason| {
            Err(Error::OptionNotApplicable {
                option,
                with,
                reason,
            })
        };
        let GradientOptions {
            noise,
            sparsity,
            contractive,
        } = self.gradient_options();
        if noise.is_active() {
            return not_applicable("noise", "the line search needs a deterministic objective");
        }
        if sparsity.is_some() {
            return not_applicable("sparsity", "the line search needs the penalty's value");
        }
        if contractive.is_some() {
            return not_applicable("contractive", "the line search needs the penalty's value");
        }
        if self.schedule != LearningRateSchedule::Constant {
            return not_applicable("schedule", "the line search chooses every step");
        }
        Ok(())
    }
}

/// The options of a config that change a batch's loss or gradient (see
/// [`ValidTrainConfig::gradient_options`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GradientOptions {
    /// Input corruption (denoising).
    pub(crate) noise: Noise,
    /// KL sparsity penalty on the hidden layer's mean activations.
    pub(crate) sparsity: Option<Sparsity>,
    /// Contractive penalty on the encoder's Jacobian.
    pub(crate) contractive: Option<Contractive>,
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
            optimizer: Optimizer::Sgd,
            schedule: LearningRateSchedule::Constant,
            validation_fraction: None,
            early_stopping: None,
            sparsity: None,
            contractive: None,
            noise: Noise::None,
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

    /// The optimiser. Defaults to [`Optimizer::Sgd`]; momentum and Nesterov apply to SGD only.
    #[must_use]
    pub fn optimizer(mut self, optimizer: Optimizer) -> Self {
        self.0.optimizer = optimizer;
        self
    }

    /// The learning-rate schedule. Defaults to [`LearningRateSchedule::Constant`].
    #[must_use]
    pub fn schedule(mut self, schedule: LearningRateSchedule) -> Self {
        self.0.schedule = schedule;
        self
    }

    /// Holds out this fraction of the rows (at least one row, chosen by the seeded generator)
    /// for validation; the report then holds the validation loss of every epoch. Ignored by
    /// [`fit_with_validation`](crate::VanillaAutoencoder::fit_with_validation), which takes an
    /// explicit validation matrix. Off by default. Must lie in (0, 1).
    #[must_use]
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.0.validation_fraction = Some(fraction);
        self
    }

    /// Stops when the monitored loss (validation if any, else training) has not improved by
    /// more than `min_delta` for `patience` epochs, and ends with the best parameters seen.
    /// Off by default. `patience` must be > 0 and `min_delta` finite and >= 0.
    #[must_use]
    pub fn early_stopping(mut self, patience: usize, min_delta: f64) -> Self {
        self.0.early_stopping = Some(EarlyStop {
            patience,
            min_delta,
        });
        self
    }

    /// KL sparsity penalty with target activation `rho` and weight `beta` (see [`Sparsity`]).
    /// Off by default. `rho` must lie in (0, 1), `beta` be finite and >= 0; needs a sigmoid
    /// encoder.
    #[must_use]
    pub fn sparsity(mut self, rho: f64, beta: f64) -> Self {
        self.0.sparsity = Some(Sparsity { rho, beta });
        self
    }

    /// Contractive penalty of weight `lambda` (see [`Contractive`]). Off by default. Must be
    /// finite and >= 0.
    #[must_use]
    pub fn contractive(mut self, lambda: f64) -> Self {
        self.0.contractive = Some(Contractive { lambda });
        self
    }

    /// Input corruption for a denoising autoencoder (see [`Noise`]). Defaults to
    /// [`Noise::None`].
    #[must_use]
    pub fn noise(mut self, noise: Noise) -> Self {
        self.0.noise = noise;
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
        let invalid = |name, value, expected| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        if let Optimizer::Adam {
            beta1,
            beta2,
            epsilon,
        } = c.optimizer
        {
            if !(0.0..1.0).contains(&beta1) {
                return invalid("beta1", beta1, "in [0, 1)");
            }
            if !(0.0..1.0).contains(&beta2) {
                return invalid("beta2", beta2, "in [0, 1)");
            }
            if !(epsilon.is_finite() && epsilon > 0.0) {
                return invalid("epsilon", epsilon, "finite and > 0");
            }
        }
        if let Optimizer::Lbfgs {
            history,
            gradient_tolerance,
            loss_tolerance,
        } = c.optimizer
        {
            if !(1..=Optimizer::MAX_LBFGS_HISTORY).contains(&history) {
                return invalid("history", history as f64, "in 1..=100");
            }
            if !(gradient_tolerance.is_finite() && gradient_tolerance >= 0.0) {
                return invalid("gradient_tolerance", gradient_tolerance, "finite and >= 0");
            }
            if !(loss_tolerance.is_finite() && loss_tolerance >= 0.0) {
                return invalid("loss_tolerance", loss_tolerance, "finite and >= 0");
            }
            c.check_full_batch()?;
        }
        c.schedule.check()?;
        if let Some(f) = c.validation_fraction
            && !(f > 0.0 && f < 1.0)
        {
            return invalid("validation_fraction", f, "in (0, 1)");
        }
        if let Some(stop) = c.early_stopping {
            if stop.patience == 0 {
                return invalid("patience", 0.0, "> 0");
            }
            if !(stop.min_delta.is_finite() && stop.min_delta >= 0.0) {
                return invalid("min_delta", stop.min_delta, "finite and >= 0");
            }
        }
        if let Some(Sparsity { rho, beta }) = c.sparsity {
            if !(rho > 0.0 && rho < 1.0) {
                return invalid("rho", rho, "in (0, 1)");
            }
            if !(beta.is_finite() && beta >= 0.0) {
                return invalid("beta", beta, "finite and >= 0");
            }
        }
        if let Some(Contractive { lambda }) = c.contractive
            && !(lambda.is_finite() && lambda >= 0.0)
        {
            return invalid("lambda", lambda, "finite and >= 0");
        }
        match c.noise {
            Noise::Masking { fraction } if !(0.0..1.0).contains(&fraction) => {
                return invalid("fraction", fraction, "in [0, 1)");
            }
            Noise::Gaussian { std_dev } if !(std_dev.is_finite() && std_dev >= 0.0) => {
                return invalid("std_dev", std_dev, "finite and >= 0");
            }
            _ => {}
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
        assert!(matches!(
            bad(TrainConfig::new().learning_rate(0.0)),
            Error::InvalidLearningRate(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().learning_rate(-1.0)),
            Error::InvalidLearningRate(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().learning_rate(f64::NAN)),
            Error::InvalidLearningRate(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().learning_rate(f64::INFINITY)),
            Error::InvalidLearningRate(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().momentum(1.0)),
            Error::InvalidMomentum(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().momentum(-0.1)),
            Error::InvalidMomentum(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().momentum(f64::NAN)),
            Error::InvalidMomentum(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().weight_decay(-1e-3)),
            Error::InvalidWeightDecay(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().tolerance(f64::NAN)),
            Error::InvalidTolerance(_)
        ));
        assert!(matches!(
            bad(TrainConfig::new().epochs(0)),
            Error::ZeroEpochs
        ));
        assert!(matches!(
            bad(TrainConfig::new().batch_size(0)),
            Error::ZeroBatchSize
        ));
        assert!(TrainConfig::new().momentum(0.0).check().is_ok());
    }

    #[test]
    fn optional_features_are_checked() {
        let bad = |c: TrainConfig| matches!(c.check(), Err(Error::InvalidParameter { .. }));
        let adam = |beta1, beta2, epsilon| Optimizer::Adam {
            beta1,
            beta2,
            epsilon,
        };
        assert!(bad(TrainConfig::new().optimizer(adam(1.0, 0.999, 1e-8))));
        assert!(bad(TrainConfig::new().optimizer(adam(0.9, -0.1, 1e-8))));
        assert!(bad(TrainConfig::new().optimizer(adam(0.9, 0.999, 0.0))));
        assert!(bad(TrainConfig::new().validation_fraction(0.0)));
        assert!(bad(TrainConfig::new().validation_fraction(1.0)));
        assert!(bad(TrainConfig::new().early_stopping(0, 0.0)));
        assert!(bad(TrainConfig::new().early_stopping(3, -1.0)));
        assert!(bad(TrainConfig::new().sparsity(0.0, 0.1)));
        assert!(bad(TrainConfig::new().sparsity(0.05, f64::INFINITY)));
        assert!(bad(TrainConfig::new().contractive(-0.1)));
        assert!(bad(
            TrainConfig::new().noise(Noise::Masking { fraction: 1.0 })
        ));
        assert!(bad(
            TrainConfig::new().noise(Noise::Gaussian { std_dev: f64::NAN })
        ));
        assert!(bad(
            TrainConfig::new().schedule(LearningRateSchedule::Exponential { gamma: 2.0 })
        ));
        let good = TrainConfig::new()
            .optimizer(Optimizer::adam())
            .validation_fraction(0.2)
            .early_stopping(5, 1e-4)
            .sparsity(0.05, 0.1)
            .contractive(0.1)
            .noise(Noise::Masking { fraction: 0.2 });
        assert!(good.check().is_ok());
    }
}
