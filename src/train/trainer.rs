//! The epoch and mini-batch loop, shared by every model: it trains parameter blocks through the
//! `Trainable` trait, with the optimiser's `UpdateRule`.

use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients, ParamSlices};
use crate::loss::Loss;
use crate::train::config::Optimizer;
use crate::train::config::TrainConfig;
use crate::train::config::ValidTrainConfig;
use crate::train::full_batch;
use crate::train::mini_batch::MiniBatches;
use crate::train::observer::{Control, EpochStats, FitReport, Observer, StopReason};
use crate::train::optimizer::{Adam, SgdMomentum, UpdateRule};
use crate::train::patience;
use crate::train::state::{Best, SPLIT_STREAM, TrainState};
use crate::validate;
use ndarray::{ArrayBase, ArrayView2, Data, Ix2};

/// Rows evaluated at once for the validation loss.
pub(crate) const VALIDATION_CHUNK: usize = 1024;

/// Epochs whose losses `fit` makes room for up front; longer runs grow the records as they go.
const RESERVED_EPOCHS: usize = 1024;

/// A model the loop can train: blocks of parameters (a weight matrix and up to two biases,
/// each block with its own optimiser state) and a batch gradient.
///
/// A tied layer is one block `(W, b1, b2)`; an untied layer adds a block for its `V`.
pub(crate) trait Trainable<F: Float> {
    /// Scratch buffers for batches.
    type Workspace;

    /// The output activation (binary cross-entropy needs the sigmoid).
    type Output: Activation;

    /// Rejects options this model cannot train with.
    fn check_config(&self, config: &ValidTrainConfig) -> Result<()>;

    /// Number of inputs (columns of the data).
    fn n_inputs(&self) -> usize;

    /// The shape of every parameter block.
    fn block_shapes(&self) -> Vec<BlockShape>;

    /// The parameters of `block` as row-major slices (empty where the block has no bias).
    fn block_params(&self, block: usize) -> ParamSlices<'_, F>;

    /// The parameters of `block`, mutable.
    fn block_params_mut(&mut self, block: usize) -> (&mut [F], &mut [F], &mut [F]);

    /// Buffers for batches of up to `capacity` rows, or [`Error::AllocationFailed`].
    fn workspace(&self, capacity: usize) -> Result<Self::Workspace>;

    /// Mean loss of the given rows of row-major `data` (before any update) and the gradients of
    /// every block's parameters (overwritten).
    fn batch_gradient(
        &self,
        workspace: &mut Self::Workspace,
        data: &[F],
        rows: &[usize],
        config: &ValidTrainConfig,
        noise_rng: &mut ChaCha8Rng,
        grads: &mut [Gradients<F>],
    ) -> F;

    /// One epoch of online training (one sample per batch) through a faster path, where this
    /// model has one for `config`: the sum of the samples' losses, or the index in `order` of
    /// the first sample whose loss is not finite. `None`: the general loop runs instead.
    fn online_epoch<R: UpdateRule<F>>(
        &mut self,
        _data: &[F],
        _order: &[usize],
        _config: &ValidTrainConfig,
        _rule: &R,
        _states: &mut [R::State],
    ) -> Option<std::result::Result<F, usize>> {
        None
    }

    /// Mean reconstruction loss of the given rows, forward only.
    fn batch_loss(
        &self,
        workspace: &mut Self::Workspace,
        data: &[F],
        rows: &[usize],
        loss: Loss,
    ) -> F;

    fn copy_params(&self, into: &mut [Gradients<F>]) {
        for (block, snapshot) in into.iter_mut().enumerate() {
            let (w, b1, b2) = self.block_params(block);
            let (sw, sb1, sb2) = snapshot.slices_mut();
            sw.copy_from_slice(w);
            sb1.copy_from_slice(b1);
            sb2.copy_from_slice(b2);
        }
    }

    fn restore_params(&mut self, from: &[Gradients<F>]) {
        for (block, snapshot) in from.iter().enumerate() {
            let (w, b1, b2) = self.block_params_mut(block);
            w.copy_from_slice(contiguous(snapshot.w.as_slice()));
            b1.copy_from_slice(contiguous(snapshot.b1.as_slice()));
            b2.copy_from_slice(contiguous(snapshot.b2.as_slice()));
        }
    }

    /// Whether every value of the first `n_blocks` blocks is finite (`n_blocks` from the
    /// caller: `block_shapes` allocates, and this runs every epoch).
    fn params_finite(&self, n_blocks: usize) -> bool {
        (0..n_blocks).all(|block| {
            let (w, b1, b2) = self.block_params(block);
            w.iter().chain(b1).chain(b2).all(|v| v.is_finite())
        })
    }
}

fn contiguous<F>(s: Option<&[F]>) -> &[F] {
    // Snapshots are allocated by the crate in standard layout.
    s.expect("crate-owned arrays are contiguous")
}

/// Row-major samples, `[n_rows, n_inputs]`, and which of them to use.
pub(crate) struct Rows<'a, F> {
    pub(crate) data: &'a [F],
    pub(crate) indices: Vec<usize>,
}

/// Where the validation loss comes from.
enum Validation<'a, F> {
    /// No validation, unless the config asks for a held-out fraction of the training rows.
    FromConfig,
    /// An explicit validation matrix, row-major `[n_rows, n_inputs]`.
    Held(&'a [F]),
}

/// Splits `0..n` into training and validation indices with the seeded generator; both stay in
/// ascending order.
fn split_rows(n: usize, fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    let n_validation = ((n as f64) * fraction).ceil() as usize;
    if n_validation >= n {
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
    let mut validation = all[..n_validation].to_vec();
    let mut training = all[n_validation..].to_vec();
    training.sort_unstable();
    validation.sort_unstable();
    Ok((training, validation))
}

/// Mean loss of `rows` under the current parameters, in chunks.
fn evaluate<F: Float, M: Trainable<F>>(
    model: &M,
    rows: &Rows<'_, F>,
    loss: Loss,
    workspace: &mut M::Workspace,
) -> F {
    let mut weighted = F::zero();
    for chunk in rows.indices.chunks(VALIDATION_CHUNK) {
        weighted +=
            model.batch_loss(workspace, rows.data, chunk, loss) * F::cast(chunk.len() as f64);
    }
    weighted / F::cast(rows.indices.len() as f64)
}

/// Checks the config, the data, the validation data and the state, all before the model is
/// touched, then trains.
pub(crate) fn fit<F, M, S, Ob>(
    model: &mut M,
    x: &ArrayBase<S, Ix2>,
    held_out: Option<ArrayView2<'_, F>>,
    config: &TrainConfig,
    state: Option<TrainState<F>>,
    observer: &mut Ob,
) -> Result<FitReport<F>>
where
    F: Float,
    M: Trainable<F>,
    S: Data<Elem = F>,
    Ob: Observer<F> + ?Sized,
{
    let config = config.check_ref()?;
    model.check_config(config)?;
    let shapes = model.block_shapes();
    let n_inputs = model.n_inputs();
    validate::training_data::<F, M::Output, S>(x, n_inputs, config.loss())?;
    if let Some(held_out) = &held_out {
        validate::training_data::<F, M::Output, _>(held_out, n_inputs, config.loss())?;
    }
    if let Some(state) = &state {
        state.check_compatible(config, &shapes)?;
    }
    let data = x.as_standard_layout();
    let data = data.as_slice().expect("standard layout is contiguous");
    let held_out = held_out.as_ref().map(|v| v.as_standard_layout());
    let validation = match &held_out {
        Some(rows) => Validation::Held(rows.as_slice().expect("standard layout is contiguous")),
        None => Validation::FromConfig,
    };
    let weight_decay = F::cast(config.weight_decay());
    // The one place the config's optimiser is read: the loop below is generic over what an
    // epoch does (mini-batches with a rule made from the schedule's learning rate, or one
    // L-BFGS iteration).
    match config.optimizer() {
        Optimizer::Sgd => {
            let (momentum, nesterov) = (F::cast(config.momentum()), config.nesterov());
            let settings = move |learning_rate| SgdMomentum {
                learning_rate,
                momentum,
                nesterov,
                weight_decay,
            };
            let update = |model: &M, rows, state: &mut TrainState<F>| {
                MiniBatches::new(model, rows, config, state, settings)
            };
            train(model, data, validation, config, state, update, observer)
        }
        Optimizer::Adam {
            beta1,
            beta2,
            epsilon,
        } => {
            let (beta1, beta2, epsilon) = (F::cast(beta1), F::cast(beta2), F::cast(epsilon));
            let settings = move |learning_rate| Adam {
                learning_rate,
                beta1,
                beta2,
                epsilon,
                weight_decay,
            };
            let update = |model: &M, rows, state: &mut TrainState<F>| {
                MiniBatches::new(model, rows, config, state, settings)
            };
            train(model, data, validation, config, state, update, observer)
        }
        Optimizer::Lbfgs {
            history,
            gradient_tolerance,
            loss_tolerance,
        } => {
            let settings = full_batch::Settings {
                history,
                gradient_tolerance,
                loss_tolerance,
            };
            let update = |model: &M, rows, state: &mut TrainState<F>| {
                full_batch::Lbfgs::new(model, rows, config, state, settings)
            };
            train(model, data, validation, config, state, update, observer)
        }
    }
}

/// The epoch's training loss, the step it took (the learning rate, or L-BFGS's step length)
/// and whether the optimiser has converged.
pub(crate) struct EpochOutcome<F> {
    pub(crate) loss: F,
    pub(crate) step: f64,
    pub(crate) converged: bool,
}

/// What one epoch does to the parameters: mini-batches with a per-block rule
/// (`mini_batch.rs`), or one full-batch L-BFGS iteration (`full_batch.rs`). The loop around
/// it (validation, early stopping, divergence, observers, the state) is [`train`]'s.
pub(crate) trait EpochUpdate<F: Float, M: Trainable<F>> {
    /// One epoch: its outcome, or the index of the batch whose loss or parameters were not
    /// finite (the caller restores the parameters of the last completed epoch).
    fn epoch(
        &mut self,
        model: &mut M,
        data: &[F],
        config: &ValidTrainConfig,
        state: &mut TrainState<F>,
        epoch: usize,
    ) -> std::result::Result<EpochOutcome<F>, usize>;

    /// Hands the optimiser's state back to `state`.
    fn finish(self, state: &mut TrainState<F>);
}

/// Trains `model` on row-major `data` (already validated), from `state` (a fresh one unless
/// resuming), up to `config.epochs()` epochs in all.
///
/// On divergence the parameters are restored to those at the end of the last completed epoch.
fn train<F, M, U, Ob>(
    model: &mut M,
    data: &[F],
    validation: Validation<'_, F>,
    config: &ValidTrainConfig,
    state: Option<TrainState<F>>,
    make_update: impl FnOnce(&M, Vec<usize>, &mut TrainState<F>) -> Result<U>,
    observer: &mut Ob,
) -> Result<FitReport<F>>
where
    F: Float,
    M: Trainable<F>,
    U: EpochUpdate<F, M>,
    Ob: Observer<F> + ?Sized,
{
    let shapes = model.block_shapes();
    let n_inputs = model.n_inputs();
    let n_rows = data.len() / n_inputs;
    let (training_rows, validation) = match (validation, config.validation_fraction()) {
        (Validation::Held(rows), _) => (
            Vec::from_iter(0..n_rows),
            Some(Rows {
                data: rows,
                indices: (0..rows.len() / n_inputs).collect(),
            }),
        ),
        (Validation::FromConfig, Some(fraction)) => {
            let (training, held) = split_rows(n_rows, fraction, config.seed())?;
            (
                training,
                Some(Rows {
                    data,
                    indices: held,
                }),
            )
        }
        (Validation::FromConfig, None) => (Vec::from_iter(0..n_rows), None),
    };
    // `fit` checked that a given state belongs to this model and config.
    let mut state = match state {
        Some(state) => state,
        None => TrainState::new(config, &shapes)?,
    };
    // Every buffer is allocated, fallibly, before the model is touched: a model that fits in
    // memory may still lack room for its gradients and optimiser state.
    let mut update = make_update(model, training_rows, &mut state)?;
    let mut validation_workspace = validation
        .as_ref()
        .map(|rows| model.workspace(rows.indices.len().min(VALIDATION_CHUNK)))
        .transpose()?;
    let zeros = || -> Result<Vec<Gradients<F>>> {
        shapes
            .iter()
            .map(|&shape| Gradients::try_shaped(shape, "training buffers"))
            .collect()
    };
    // Parameters at the end of the last completed epoch, for recovery from divergence.
    let mut snapshot = zeros()?;
    let early_stopping = config.early_stopping().is_some();
    let new_best = match early_stopping && state.best.is_none() {
        true => Some(zeros()?),
        false => None,
    };
    // With early stopping, the model ends with the best parameters and hands its latest ones
    // to the state (in the buffer a resumed state brings).
    let resumed_params = state.latest_params.take();
    let mut latest = match (early_stopping, &resumed_params) {
        (true, None) => Some(zeros()?),
        _ => None,
    };

    if let Some(params) = resumed_params {
        model.restore_params(&params);
        latest = Some(params);
    }
    model.copy_params(&mut snapshot);
    if let Some(mut params) = new_best {
        model.copy_params(&mut params);
        state.best = Some(Best {
            loss: None,
            epoch: 0,
            waited: 0,
            params,
        });
    }

    let start = Instant::now();
    observer.on_start();
    // Room for the first epochs only: the budget may be far more than will run (`usize::MAX`
    // to train until early stopping), so the records grow with the epochs actually run.
    let reserved = (config.epochs() - state.next_epoch).min(RESERVED_EPOCHS);
    let mut epoch_losses = Vec::with_capacity(reserved);
    let mut validation_losses = validation.as_ref().map(|_| Vec::with_capacity(reserved));
    let mut stop_reason = StopReason::MaxEpochs;
    while state.next_epoch < config.epochs() {
        let epoch = state.next_epoch;
        let outcome = match update.epoch(model, data, config, &mut state, epoch) {
            Ok(outcome) => outcome,
            Err(batch) => {
                model.restore_params(&snapshot);
                return Err(Error::Diverged { epoch, batch });
            }
        };
        model.copy_params(&mut snapshot);
        state.next_epoch += 1;

        let loss = outcome.loss;
        epoch_losses.push(loss);
        let validation_loss = match (&validation, &mut validation_workspace) {
            (Some(rows), Some(ws)) => Some(evaluate(model, rows, config.loss(), ws)),
            _ => None,
        };
        if let (Some(losses), Some(v)) = (&mut validation_losses, validation_loss) {
            losses.push(v);
        }
        let monitored = validation_loss.unwrap_or(loss).as_f64();
        state.schedule.observe(monitored);
        let mut early_stop = false;
        if let (Some(best), Some(rule)) = (&mut state.best, config.early_stopping()) {
            if patience::observe(&mut best.loss, &mut best.waited, monitored, rule.min_delta) {
                best.epoch = epoch;
                model.copy_params(&mut best.params);
            } else {
                early_stop = best.waited >= rule.patience;
            }
        }

        let stats = EpochStats {
            epoch,
            loss,
            validation_loss,
            learning_rate: outcome.step,
            elapsed: start.elapsed(),
        };
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
        if outcome.converged {
            stop_reason = StopReason::Converged;
            break;
        }
    }
    update.finish(&mut state);
    let best_epoch = state.best.as_ref().map(|best| best.epoch);
    // With early stopping the model ends with the best parameters seen; the state keeps the
    // latest ones, from which a resumed run continues the same trajectory.
    if let (Some(best), Some(mut latest)) = (&state.best, latest.take()) {
        model.copy_params(&mut latest);
        model.restore_params(&best.params);
        state.latest_params = Some(latest);
    }
    let report = FitReport {
        epoch_losses,
        validation_losses,
        best_epoch,
        stop_reason,
        elapsed: start.elapsed(),
        state,
    };
    observer.on_finish(&report);
    Ok(report)
}
