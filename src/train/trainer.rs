//! The epoch and mini-batch loop.

use std::time::Instant;

use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::gradient::{Gradients, ParamSlices, Workspace, slice_mut};
use crate::train::config::{EarlyStop, Optimizer, ValidTrainConfig};
use crate::train::observer::{Control, EpochStats, FitReport, Observer, StopReason};
use crate::train::optimizer::{Adam, AdamState, MomentumState, SgdMomentum};
use crate::train::regularize;
use crate::train::schedule::ScheduleState;
use crate::{Activation, Error, Float, Loss, Result};

/// Generator streams of one training seed: shuffling, noise, the validation split.
const SHUFFLE_STREAM: u64 = 0;
const NOISE_STREAM: u64 = 1;
const SPLIT_STREAM: u64 = 2;

/// Rows evaluated at once for the validation loss.
const VALIDATION_CHUNK: usize = 1024;

/// The trainable parameters, borrowed from the model.
pub(crate) struct Parameters<'a, F> {
    pub(crate) w: &'a mut Array2<F>,
    pub(crate) b1: &'a mut Array1<F>,
    pub(crate) b2: &'a mut Array1<F>,
}

/// A copy of `W`, `b1`, `b2` (same shapes as a gradient).
type Snapshot<F> = Gradients<F>;

impl<F: Float> Parameters<'_, F> {
    fn slices(&self) -> ParamSlices<'_, F> {
        (slice(self.w.as_slice()), slice(self.b1.as_slice()), slice(self.b2.as_slice()))
    }

    fn slices_mut(&mut self) -> (&mut [F], &mut [F], &mut [F]) {
        (
            slice_mut(self.w.as_slice_mut()),
            slice_mut(self.b1.as_slice_mut()),
            slice_mut(self.b2.as_slice_mut()),
        )
    }

    fn all_finite(&self) -> bool {
        let (w, b1, b2) = self.slices();
        w.iter().chain(b1).chain(b2).all(|v| v.is_finite())
    }

    fn copy_to(&self, snapshot: &mut Snapshot<F>) {
        snapshot.w.assign(self.w);
        snapshot.b1.assign(self.b1);
        snapshot.b2.assign(self.b2);
    }

    fn restore(&mut self, snapshot: &Snapshot<F>) {
        self.w.assign(&snapshot.w);
        self.b1.assign(&snapshot.b1);
        self.b2.assign(&snapshot.b2);
    }
}

fn slice<F>(s: Option<&[F]>) -> &[F] {
    // The model keeps its arrays in standard layout.
    s.expect("model arrays are contiguous")
}

/// Row-major samples, `[n_rows, n_inputs]`, and which of them to use.
pub(crate) struct Rows<'a, F> {
    pub(crate) data: &'a [F],
    pub(crate) indices: Vec<usize>,
}

/// Where the validation loss comes from.
pub(crate) enum Validation<'a, F> {
    /// No validation, unless the config asks for a held-out fraction of the training rows.
    FromConfig,
    /// An explicit validation matrix, row-major `[n_rows, n_inputs]`.
    Held(&'a [F]),
}

/// The optimiser and its state.
enum OptimizerRun<F> {
    Sgd(SgdMomentum<F>, MomentumState<F>),
    Adam(Adam<F>, AdamState<F>),
}

impl<F: Float> OptimizerRun<F> {
    fn new(config: &ValidTrainConfig, n_inputs: usize, n_hidden: usize) -> Self {
        let learning_rate = F::cast(config.learning_rate());
        let weight_decay = F::cast(config.weight_decay());
        match config.optimizer() {
            Optimizer::Sgd => Self::Sgd(
                SgdMomentum {
                    learning_rate,
                    momentum: F::cast(config.momentum()),
                    nesterov: config.nesterov(),
                    weight_decay,
                },
                MomentumState::new(n_inputs, n_hidden),
            ),
            Optimizer::Adam { beta1, beta2, epsilon } => Self::Adam(
                Adam {
                    learning_rate,
                    beta1: F::cast(beta1),
                    beta2: F::cast(beta2),
                    epsilon: F::cast(epsilon),
                    weight_decay,
                },
                AdamState::new(n_inputs, n_hidden),
            ),
        }
    }

    fn set_learning_rate(&mut self, rate: F) {
        match self {
            Self::Sgd(settings, _) => settings.learning_rate = rate,
            Self::Adam(settings, _) => settings.learning_rate = rate,
        }
    }

    fn step(&mut self, params: (&mut [F], &mut [F], &mut [F]), grads: &Gradients<F>) {
        match self {
            Self::Sgd(settings, state) => settings.step(params, grads, state),
            Self::Adam(settings, state) => settings.step(params, grads, state),
        }
    }
}

/// Splits `0..n` into training and validation indices with the seeded generator; training
/// indices stay in ascending order.
fn split_rows(n: usize, fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    let n_validation = ((n as f64) * fraction).ceil() as usize;
    if n < 2 || n_validation >= n {
        return Err(Error::InvalidParameter {
            name: "validation_fraction",
            value: fraction,
            expected: "small enough to leave at least one training row",
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(SPLIT_STREAM);
    let mut all: Vec<usize> = (0..n).collect();
    all.shuffle(&mut rng);
    let mut validation = all[..n_validation.max(1)].to_vec();
    let mut training = all[n_validation.max(1)..].to_vec();
    training.sort_unstable();
    validation.sort_unstable();
    Ok((training, validation))
}

/// The best epoch so far, for early stopping.
struct BestEpoch<F> {
    rule: EarlyStop,
    loss: f64,
    epoch: usize,
    waited: usize,
    params: Snapshot<F>,
}

/// Mean loss of `rows` under the current parameters, in chunks through `workspace`.
fn evaluate<F: Float, A: Activation, O: Activation>(
    params: ParamSlices<'_, F>,
    rows: &Rows<'_, F>,
    loss: Loss,
    workspace: &mut Workspace<F>,
) -> F {
    let mut weighted = F::zero();
    for chunk in rows.indices.chunks(VALIDATION_CHUNK) {
        workspace.load_rows(rows.data, chunk);
        workspace.forward::<A>(params, chunk.len());
        weighted += workspace.output_delta::<O>(loss, chunk.len()) * F::cast(chunk.len() as f64);
    }
    weighted / F::cast(rows.indices.len() as f64)
}

/// Trains `params` on row-major `data` (`[n_samples, n_inputs]`, already validated).
///
/// On divergence the parameters are restored to those at the end of the last completed epoch.
pub(crate) fn train<F, A, O, Ob>(
    mut params: Parameters<'_, F>,
    data: &[F],
    validation: Validation<'_, F>,
    config: &ValidTrainConfig,
    observer: &mut Ob,
) -> Result<FitReport<F>>
where
    F: Float,
    A: Activation,
    O: Activation,
    Ob: Observer<F> + ?Sized,
{
    let (n_hidden, n_inputs) = params.w.dim();
    let n_rows = data.len() / n_inputs;
    let (training_rows, validation) = match (validation, config.validation_fraction()) {
        (Validation::Held(rows), _) => {
            (Vec::from_iter(0..n_rows), Some(Rows { data: rows, indices: (0..rows.len() / n_inputs).collect() }))
        }
        (Validation::FromConfig, Some(fraction)) => {
            let (training, held) = split_rows(n_rows, fraction, config.seed())?;
            (training, Some(Rows { data, indices: held }))
        }
        (Validation::FromConfig, None) => (Vec::from_iter(0..n_rows), None),
    };
    let n_samples = training_rows.len();
    let batch_size = config.batch_size().min(n_samples);
    let n_batches = n_samples.div_ceil(batch_size);

    let mut optimizer = OptimizerRun::new(config, n_inputs, n_hidden);
    let mut schedule = ScheduleState::new(config.schedule(), config.learning_rate());
    let mut workspace = Workspace::new(n_inputs, n_hidden, batch_size);
    let mut validation_workspace = validation.as_ref().map(|rows| {
        Workspace::new(n_inputs, n_hidden, rows.indices.len().min(VALIDATION_CHUNK))
    });
    let mut grads = Gradients::zeros(n_inputs, n_hidden);
    // Parameters at the end of the last completed epoch, for recovery from divergence.
    let mut snapshot = Snapshot::zeros(n_inputs, n_hidden);
    params.copy_to(&mut snapshot);
    let mut best = config.early_stopping().map(|rule| BestEpoch {
        rule,
        loss: f64::INFINITY,
        epoch: 0,
        waited: 0,
        params: snapshot.clone(),
    });
    let mut order = training_rows.clone();
    let mut shuffle_rng = ChaCha8Rng::seed_from_u64(config.seed());
    shuffle_rng.set_stream(SHUFFLE_STREAM);
    let mut noise_rng = ChaCha8Rng::seed_from_u64(config.seed());
    noise_rng.set_stream(NOISE_STREAM);
    let noise = config.noise();
    let plain = !noise.is_active() && config.sparsity().is_none() && config.contractive().is_none();
    let sample_count = F::cast(n_samples as f64);

    let start = Instant::now();
    observer.on_start();
    let mut epoch_losses = Vec::with_capacity(config.epochs());
    let mut validation_losses = validation.as_ref().map(|_| Vec::with_capacity(config.epochs()));
    let mut stop_reason = StopReason::MaxEpochs;
    for epoch in 0..config.epochs() {
        let learning_rate = schedule.rate(epoch);
        optimizer.set_learning_rate(F::cast(learning_rate));
        if config.shuffle() {
            order.copy_from_slice(&training_rows);
            order.shuffle(&mut shuffle_rng);
        }
        let mut weighted_sum = F::zero();
        for (batch, rows) in order.chunks(batch_size).enumerate() {
            let lanes = rows.len();
            workspace.load_rows(data, rows);
            let loss = if plain {
                workspace.loss_and_gradient::<A, O>(params.slices(), lanes, config.loss(), &mut grads)
            } else {
                if noise.is_active() {
                    noise.corrupt(workspace.corruptible_inputs(lanes), &mut noise_rng);
                }
                let p = params.slices();
                workspace.forward::<A>(p, lanes);
                let loss = workspace.output_delta::<O>(config.loss(), lanes);
                workspace.backward_decoder(p, lanes, &mut grads);
                if let Some(sparsity) = config.sparsity() {
                    regularize::add_sparsity_gradient(&sparsity, &mut workspace, lanes);
                }
                workspace.hidden_preactivation_delta::<A>(lanes);
                if let Some(contractive) = config.contractive() {
                    regularize::add_contractive_gradient::<F, A>(&contractive, p.0, &mut workspace, lanes, &mut grads);
                }
                workspace.backward_encoder(lanes, &mut grads);
                loss
            };
            if !loss.is_finite() {
                params.restore(&snapshot);
                return Err(Error::Diverged { epoch, batch });
            }
            weighted_sum += loss * F::cast(lanes as f64);
            optimizer.step(params.slices_mut(), &grads);
        }
        if !params.all_finite() {
            params.restore(&snapshot);
            return Err(Error::Diverged { epoch, batch: n_batches - 1 });
        }
        params.copy_to(&mut snapshot);

        let loss = weighted_sum / sample_count;
        epoch_losses.push(loss);
        let validation_loss = match (&validation, &mut validation_workspace) {
            (Some(rows), Some(ws)) => Some(evaluate::<F, A, O>(params.slices(), rows, config.loss(), ws)),
            _ => None,
        };
        if let (Some(losses), Some(v)) = (&mut validation_losses, validation_loss) {
            losses.push(v);
        }
        let monitored = validation_loss.unwrap_or(loss).as_f64();
        schedule.observe(monitored);
        let mut early_stop = false;
        if let Some(best) = &mut best {
            if monitored < best.loss - best.rule.min_delta {
                best.loss = monitored;
                best.epoch = epoch;
                best.waited = 0;
                params.copy_to(&mut best.params);
            } else {
                best.waited += 1;
                early_stop = best.waited >= best.rule.patience;
            }
        }

        let stats = EpochStats { epoch, loss, validation_loss, learning_rate, elapsed: start.elapsed() };
        let control = observer.on_epoch_end(&stats);
        if early_stop {
            stop_reason = StopReason::EarlyStopping;
            break;
        }
        if loss.as_f64() <= config.tolerance() {
            stop_reason = StopReason::Tolerance;
            break;
        }
        if control == Control::Stop {
            stop_reason = StopReason::Observer;
            break;
        }
    }
    let best_epoch = best.map(|best| {
        params.restore(&best.params);
        best.epoch
    });
    let report = FitReport {
        epoch_losses,
        validation_losses,
        best_epoch,
        stop_reason,
        elapsed: start.elapsed(),
    };
    observer.on_finish(&report);
    Ok(report)
}
