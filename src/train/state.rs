//! The state of a training run between epochs: what a checkpoint must hold to resume exactly.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients};
use crate::train::config::{Optimizer, ValidTrainConfig};
use crate::train::optimizer::LevelOptimizer;
use crate::train::schedule::ScheduleState;

/// Generator streams of one training seed: shuffling, noise, the validation split.
pub(crate) const SHUFFLE_STREAM: u64 = 0;
pub(crate) const NOISE_STREAM: u64 = 1;
pub(crate) const SPLIT_STREAM: u64 = 2;

/// The best epoch so far, for early stopping.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Best<F> {
    /// Best monitored loss so far (none before the first epoch).
    pub(crate) loss: Option<f64>,
    pub(crate) epoch: usize,
    pub(crate) waited: usize,
    pub(crate) params: Vec<Gradients<F>>,
}

/// Everything a training run carries from one epoch to the next besides the parameters: the
/// next epoch's index, the optimiser state (velocities or Adam moments) of every level, the
/// shuffling and noise generators, the learning-rate schedule and the early-stopping record.
///
/// [`FitReport::state`](crate::FitReport::state) hands it out at the end of a `fit`;
/// [`VanillaAutoencoder::fit_resume`](crate::VanillaAutoencoder::fit_resume) continues from it,
/// bit for bit as if training had never stopped.
///
/// A state may also come from a deserialiser (feature `serde`); `fit_resume` then checks all of
/// it before training: every array must have the model's shapes and finite values, and every
/// counter (early stopping's best epoch and epochs waited, the plateau schedule's bad epochs)
/// must lie within the epochs run, else [`Error::IncompatibleTrainState`]. Adam's step count
/// saturates at `u64::MAX` (its bias corrections are exactly 1 long before).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainState<F> {
    pub(crate) next_epoch: usize,
    pub(crate) optimizers: Vec<LevelOptimizer<F>>,
    pub(crate) shuffle_rng: ChaCha8Rng,
    pub(crate) noise_rng: ChaCha8Rng,
    pub(crate) schedule: ScheduleState,
    pub(crate) best: Option<Best<F>>,
    /// The parameters training had reached when early stopping handed the model its best ones.
    pub(crate) latest_params: Option<Vec<Gradients<F>>>,
}

impl<F: Float> TrainState<F> {
    /// A fresh state for parameter blocks of the given shapes.
    pub(crate) fn new(config: &ValidTrainConfig, shapes: &[BlockShape]) -> Result<Self> {
        let optimizers = shapes
            .iter()
            .map(|&shape| LevelOptimizer::new(config, shape))
            .collect::<Result<_>>()?;
        let stream = |s| {
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed());
            rng.set_stream(s);
            rng
        };
        Ok(Self {
            next_epoch: 0,
            optimizers,
            shuffle_rng: stream(SHUFFLE_STREAM),
            noise_rng: stream(NOISE_STREAM),
            schedule: ScheduleState::new(config.schedule(), config.learning_rate()),
            best: None,
            latest_params: None,
        })
    }

    /// Index of the next epoch to run (the number of epochs run so far).
    pub fn epoch(&self) -> usize {
        self.next_epoch
    }

    /// Checks a state from outside (a file, or deserialised by a caller) against the model's
    /// level shapes: every array has its level's shape and holds finite values, and every
    /// counter is one a run could have reached after `next_epoch` epochs, so that counting on
    /// from it cannot overflow.
    pub(crate) fn check(&self, shapes: &[BlockShape]) -> std::result::Result<(), &'static str> {
        let fits = |g: &Gradients<F>, &shape: &BlockShape| g.fits(shape);
        let all_fit = |set: &[Gradients<F>]| {
            set.len() == shapes.len() && set.iter().zip(shapes).all(|(g, s)| fits(g, s))
        };
        if self.optimizers.len() != shapes.len() {
            return Err("the optimiser state has another number of levels than the model");
        }
        for (opt, shape) in self.optimizers.iter().zip(shapes) {
            let ok = match opt {
                LevelOptimizer::Sgd(s) => fits(&s.velocity, shape),
                LevelOptimizer::Adam(s) => fits(&s.first, shape) && fits(&s.second, shape),
                LevelOptimizer::Lbfgs(s) => s.fits(*shape),
            };
            if !ok {
                return Err("an optimiser state does not fit the model or is not finite");
            }
        }
        if let Some(best) = &self.best {
            if !all_fit(&best.params) {
                return Err("the best parameters do not fit the model or are not finite");
            }
            // Before the first epoch nothing is recorded; after it, the best epoch and the
            // epochs waited since lie within the epochs run.
            let counts_fit = match best.loss {
                None => best.epoch == 0 && best.waited == 0,
                Some(loss) => {
                    !loss.is_nan()
                        && best
                            .epoch
                            .checked_add(best.waited)
                            .is_some_and(|last| last < self.next_epoch)
                }
            };
            if !counts_fit {
                return Err("the early-stopping record does not fit the epochs run");
            }
        }
        match &self.latest_params {
            Some(_) if self.best.is_none() => {
                return Err("the state has latest parameters without early stopping");
            }
            Some(latest) if !all_fit(latest) => {
                return Err("the latest parameters do not fit the model or are not finite");
            }
            _ => {}
        }
        if !self.schedule.is_valid(self.next_epoch) {
            return Err("the learning-rate schedule state is out of range");
        }
        Ok(())
    }

    /// Checks that this state can continue training levels of `shapes` under `config`.
    pub(crate) fn check_compatible(
        &self,
        config: &ValidTrainConfig,
        shapes: &[BlockShape],
    ) -> Result<()> {
        let incompatible = |reason| Err(Error::IncompatibleTrainState { reason });
        if self.optimizers.len() != shapes.len() {
            return incompatible("the state has a different number of levels");
        }
        if !self
            .optimizers
            .iter()
            .all(|opt| opt.is_for(config.optimizer()))
        {
            return incompatible("the state was made with another optimiser");
        }
        // A state may come from a file or any deserialiser: check all of it before training.
        self.check(shapes).or_else(incompatible)?;
        if let Optimizer::Lbfgs { history, .. } = config.optimizer() {
            let pairs = |opt: &LevelOptimizer<F>| match opt {
                LevelOptimizer::Lbfgs(s) => s.steps.len(),
                _ => usize::MAX,
            };
            let first = self.optimizers.first().map_or(0, pairs);
            if first > history || !self.optimizers.iter().all(|opt| pairs(opt) == first) {
                return incompatible("the L-BFGS history does not fit the configured one");
            }
        }
        if self.next_epoch >= config.epochs() {
            return incompatible("the state has already run all the configured epochs");
        }
        if self.best.is_some() != config.early_stopping().is_some() {
            return incompatible("early stopping is on in only one of state and config");
        }
        Ok(())
    }
}
