//! Training progress: per-epoch statistics, observers that read them, and the fit report.

use std::time::Duration;

use crate::float::Float;
use crate::train::patience;
use crate::train::state::TrainState;

/// What an observer sees at the end of each epoch. Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct EpochStats<F> {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// The epoch's training loss: the sample-weighted mean of its batch losses, each computed
    /// before that batch's update (with L-BFGS: the loss on all training rows after the
    /// epoch's iteration).
    pub loss: F,
    /// Loss on the validation data after the epoch, when there is validation data.
    pub validation_loss: Option<F>,
    /// Learning rate used in the epoch (with L-BFGS: the step length its line search took, 0
    /// when it did not move).
    pub learning_rate: f64,
    /// Time since `fit` started.
    pub elapsed: Duration,
}

/// An observer's verdict after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop after this epoch.
    Stop,
}

/// Why training stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// All requested epochs ran.
    MaxEpochs,
    /// An epoch's loss reached the configured tolerance.
    Tolerance,
    /// An observer asked to stop.
    Observer,
    /// The monitored loss stopped improving (see [`TrainConfig::early_stopping`](crate::TrainConfig::early_stopping)).
    EarlyStopping,
    /// The optimiser converged: L-BFGS met a tolerance of [`Optimizer::Lbfgs`](crate::Optimizer::Lbfgs),
    /// or no step lowered the loss any more.
    Converged,
}

/// The outcome of a `fit` call.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport<F> {
    pub(crate) epoch_losses: Vec<F>,
    pub(crate) validation_losses: Option<Vec<F>>,
    pub(crate) best_epoch: Option<usize>,
    pub(crate) stop_reason: StopReason,
    pub(crate) elapsed: Duration,
    pub(crate) state: TrainState<F>,
}

impl<F: Float> FitReport<F> {
    /// Training loss of each epoch that ran, in order.
    pub fn epoch_losses(&self) -> &[F] {
        &self.epoch_losses
    }

    /// Validation loss of each epoch that ran, when there was validation data.
    pub fn validation_losses(&self) -> Option<&[F]> {
        self.validation_losses.as_deref()
    }

    /// With early stopping: the epoch whose parameters the model ends with (the best one).
    pub fn best_epoch(&self) -> Option<usize> {
        self.best_epoch
    }

    /// Loss of the last epoch that ran.
    pub fn final_loss(&self) -> F {
        // `fit` runs at least one epoch before it returns a report.
        *self
            .epoch_losses
            .last()
            .expect("a report covers at least one epoch")
    }

    /// Number of epochs that ran.
    pub fn epochs_run(&self) -> usize {
        self.epoch_losses.len()
    }

    /// Why training stopped.
    pub fn stop_reason(&self) -> StopReason {
        self.stop_reason
    }

    /// Wall-clock time of the whole `fit` call.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The training state after the last epoch, to continue with
    /// [`fit_resume`](crate::VanillaAutoencoder::fit_resume).
    pub fn state(&self) -> &TrainState<F> {
        &self.state
    }

    /// The training state, consuming the report.
    pub fn into_state(self) -> TrainState<F> {
        self.state
    }
}

/// Watches training. Every method has a no-op default; observers read, they never change weights.
///
/// # Examples
/// ```
/// use autoencoder::{Control, EpochStats, Observer, StopReason, TrainConfig, VanillaAutoencoder};
/// use ndarray::Array2;
///
/// /// Prints every epoch and stops once the loss is small.
/// struct Print;
/// impl Observer<f64> for Print {
///     fn on_epoch_end(&mut self, stats: &EpochStats<f64>) -> Control {
///         println!("epoch {:>3}  loss {:.6}", stats.epoch, stats.loss);
///         if stats.loss < 0.02 { Control::Stop } else { Control::Continue }
///     }
/// }
///
/// let x = Array2::from_shape_fn((40, 4), |(i, j)| ((i + j) % 2) as f64);
/// let mut model = VanillaAutoencoder::<f64>::new(4, 2, 1)?;
/// let report = model.fit_with_observer(&x, &TrainConfig::new().epochs(500), &mut Print)?;
/// assert_eq!(report.stop_reason(), StopReason::Observer);
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub trait Observer<F> {
    /// Called once before the first epoch.
    fn on_start(&mut self) {}

    /// Called after each epoch; return [`Control::Stop`] to end training.
    fn on_epoch_end(&mut self, stats: &EpochStats<F>) -> Control {
        let _ = stats;
        Control::Continue
    }

    /// Called once when training ends normally.
    fn on_finish(&mut self, report: &FitReport<F>) {
        let _ = report;
    }
}

/// The silent observer.
impl<F> Observer<F> for () {}

impl<F, T: Observer<F> + ?Sized> Observer<F> for &mut T {
    fn on_start(&mut self) {
        (**self).on_start();
    }
    fn on_epoch_end(&mut self, stats: &EpochStats<F>) -> Control {
        (**self).on_epoch_end(stats)
    }
    fn on_finish(&mut self, report: &FitReport<F>) {
        (**self).on_finish(report);
    }
}

/// An observer made of a closure, called at the end of every epoch: see [`observer_fn`].
///
/// # Examples
/// ```
/// use autoencoder::{Control, FnObserver, observer_fn};
/// let mut epochs = 0;
/// let watch: FnObserver<_> = observer_fn(|_stats: &autoencoder::EpochStats<f32>| {
///     epochs += 1;
///     Control::Continue
/// });
/// # let _ = watch;
/// ```
#[derive(Clone, Copy)]
pub struct FnObserver<C>(C);

impl<C> std::fmt::Debug for FnObserver<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnObserver(..)")
    }
}

/// Turns a closure into an [`Observer`] whose
/// [`on_epoch_end`](Observer::on_epoch_end) it is (the other methods do nothing).
///
/// The closure's argument type is inferred from the model, so it needs no annotation.
///
/// # Examples
/// ```
/// use autoencoder::{Control, StopReason, TrainConfig, VanillaAutoencoder, observer_fn};
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((40, 4), |(i, j)| ((i + j) % 2) as f64);
/// let mut model = VanillaAutoencoder::<f64>::new(4, 2, 1)?;
/// let mut losses = Vec::new();
/// let mut watch = observer_fn(|stats| {
///     losses.push(stats.loss);
///     if stats.epoch == 9 { Control::Stop } else { Control::Continue }
/// });
/// let report = model.fit_with_observer(&x, &TrainConfig::new().epochs(500), &mut watch)?;
/// assert_eq!(report.stop_reason(), StopReason::Observer);
/// assert_eq!(losses.len(), 10);
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub fn observer_fn<F, C>(on_epoch_end: C) -> FnObserver<C>
where
    C: FnMut(&EpochStats<F>) -> Control,
{
    FnObserver(on_epoch_end)
}

impl<F, C> Observer<F> for FnObserver<C>
where
    C: FnMut(&EpochStats<F>) -> Control,
{
    fn on_epoch_end(&mut self, stats: &EpochStats<F>) -> Control {
        (self.0)(stats)
    }
}

/// Records every epoch's statistics.
#[derive(Debug, Clone, Default)]
pub struct LossHistory<F> {
    epochs: Vec<EpochStats<F>>,
}

impl<F: Float> LossHistory<F> {
    /// An empty history.
    pub fn new() -> Self {
        Self { epochs: Vec::new() }
    }

    /// The statistics of every epoch seen.
    pub fn epochs(&self) -> &[EpochStats<F>] {
        &self.epochs
    }

    /// The loss of every epoch seen.
    pub fn losses(&self) -> Vec<F> {
        self.epochs.iter().map(|s| s.loss).collect()
    }
}

impl<F: Float> Observer<F> for LossHistory<F> {
    fn on_epoch_end(&mut self, stats: &EpochStats<F>) -> Control {
        self.epochs.push(*stats);
        Control::Continue
    }
}

/// Stops when the training loss has not improved by more than `min_delta` for `patience` epochs.
///
/// An observer only stops: the model keeps the parameters of the last epoch. For early
/// stopping that hands back the best epoch's parameters and can watch a validation loss, use
/// [`TrainConfig::early_stopping`](crate::TrainConfig::early_stopping); both count epochs by
/// the same rule.
///
/// # Examples
/// ```
/// use autoencoder::{EarlyStopping, TrainConfig, VanillaAutoencoder};
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((20, 3), |(i, j)| ((i * j) % 3) as f64 / 2.0);
/// let mut model = VanillaAutoencoder::<f64>::new(3, 2, 0)?;
/// let mut stop = EarlyStopping::new(5, 1e-4);
/// let report = model.fit_with_observer(&x, &TrainConfig::new().epochs(10_000), &mut stop)?;
/// assert!(report.epochs_run() < 10_000);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    patience: usize,
    min_delta: f64,
    best: Option<f64>,
    waited: usize,
}

impl EarlyStopping {
    /// Stops after `patience` epochs without an improvement larger than `min_delta`.
    pub fn new(patience: usize, min_delta: f64) -> Self {
        Self {
            patience,
            min_delta,
            best: None,
            waited: 0,
        }
    }
}

impl<F: Float> Observer<F> for EarlyStopping {
    fn on_start(&mut self) {
        self.best = None;
        self.waited = 0;
    }

    fn on_epoch_end(&mut self, stats: &EpochStats<F>) -> Control {
        let loss = stats.loss.as_f64();
        let improved = patience::observe(&mut self.best, &mut self.waited, loss, self.min_delta);
        if !improved && self.waited >= self.patience {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

/// Passes only every `n`-th epoch (and the first) on to the wrapped observer.
#[derive(Debug, Clone)]
pub struct Every<O> {
    n: usize,
    inner: O,
}

impl<O> Every<O> {
    /// Wraps `inner`, calling it at epochs 0, n, 2n, …; `n = 0` is taken as 1.
    pub fn new(n: usize, inner: O) -> Self {
        Self { n: n.max(1), inner }
    }

    /// The wrapped observer.
    pub fn into_inner(self) -> O {
        self.inner
    }
}

impl<F, O: Observer<F>> Observer<F> for Every<O> {
    fn on_start(&mut self) {
        self.inner.on_start();
    }
    fn on_epoch_end(&mut self, stats: &EpochStats<F>) -> Control {
        if stats.epoch.is_multiple_of(self.n) {
            self.inner.on_epoch_end(stats)
        } else {
            Control::Continue
        }
    }
    fn on_finish(&mut self, report: &FitReport<F>) {
        self.inner.on_finish(report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(epoch: usize, loss: f64) -> EpochStats<f64> {
        EpochStats {
            epoch,
            loss,
            validation_loss: None,
            learning_rate: 0.1,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn early_stopping_waits_for_patience() {
        let mut stop = EarlyStopping::new(2, 0.01);
        Observer::<f64>::on_start(&mut stop);
        assert_eq!(stop.on_epoch_end(&stats(0, 1.0)), Control::Continue);
        assert_eq!(stop.on_epoch_end(&stats(1, 0.5)), Control::Continue);
        assert_eq!(stop.on_epoch_end(&stats(2, 0.495)), Control::Continue);
        assert_eq!(stop.on_epoch_end(&stats(3, 0.494)), Control::Stop);
    }

    #[test]
    fn every_skips_epochs() {
        let mut every = Every::new(3, LossHistory::new());
        for e in 0..7 {
            every.on_epoch_end(&stats(e, e as f64));
        }
        let seen: Vec<usize> = every
            .into_inner()
            .epochs()
            .iter()
            .map(|s| s.epoch)
            .collect();
        assert_eq!(seen, [0, 3, 6]);
    }
}
