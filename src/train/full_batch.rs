//! Full-batch L-BFGS: one iteration per epoch, on the loss and gradient over all training rows
//! plus the weight decay's `λ/2 ‖W‖²`: a direction from the memory of curvature pairs, a
//! strong-Wolfe line search along it, the new pair, and the convergence tests.

use crate::error::Result;
use crate::float::Float;
use crate::gradient::Gradients;
use crate::linalg;
#[cfg(doc)]
use crate::train::config::Optimizer;
use crate::train::config::ValidTrainConfig;
use crate::train::line_search::{self, Outcome, Probe};
use crate::train::optimizer::LevelOptimizer;
use crate::train::optimizer::lbfgs::{self, Blocks, Memory};
use crate::train::state::TrainState;
use crate::train::trainer::{EpochOutcome, EpochUpdate, Trainable};

/// Loss and gradient evaluations one line search may make.
const MAX_EVALUATIONS: usize = 20;

/// The objective at one point: with the weight decay (what the line search compares) and the
/// reconstruction loss alone (what the epoch reports).
#[derive(Debug, Clone, Copy)]
struct Value<F> {
    objective: F,
    reconstruction: F,
}

/// The fields of [`Optimizer::Lbfgs`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) history: usize,
    pub(crate) gradient_tolerance: f64,
    pub(crate) loss_tolerance: f64,
}

/// L-BFGS's settings, memory and buffers, all allocated before training.
pub(crate) struct Lbfgs<F: Float, M: Trainable<F>> {
    gradient_tolerance: F,
    loss_tolerance: F,
    objective: Objective<F, M::Workspace>,
    memory: Memory<F>,
    /// The parameters at the start of the iteration, their gradient and value (`None`
    /// before the first evaluation).
    position: Vec<Gradients<F>>,
    gradient: Vec<Gradients<F>>,
    value: Option<Value<F>>,
    /// The parameters and gradient where the line search evaluated last.
    trial: Vec<Gradients<F>>,
    trial_gradient: Vec<Gradients<F>>,
    direction: Vec<Gradients<F>>,
}

impl<F: Float, M: Trainable<F>> Lbfgs<F, M> {
    /// The iteration for `model` on `training_rows`, with the memory `state` stores (taken out
    /// of it; handed back by [`EpochUpdate::finish`]).
    pub(crate) fn new(
        model: &M,
        training_rows: Vec<usize>,
        config: &ValidTrainConfig,
        state: &mut TrainState<F>,
        settings: Settings,
    ) -> Result<Self> {
        let Settings {
            history,
            gradient_tolerance,
            loss_tolerance,
        } = settings;
        let shapes = model.block_shapes();
        // `fit` checked that a stored state is L-BFGS's, with at most `history` pairs.
        let stored = std::mem::take(&mut state.optimizers)
            .into_iter()
            .filter_map(|opt| match opt {
                LevelOptimizer::Lbfgs(s) => Some(s),
                _ => None,
            })
            .collect();
        let zeros = || -> Result<Vec<Gradients<F>>> {
            shapes
                .iter()
                .map(|&shape| Gradients::try_shaped(shape, "L-BFGS buffers"))
                .collect()
        };
        Ok(Self {
            gradient_tolerance: F::cast(gradient_tolerance),
            loss_tolerance: F::cast(loss_tolerance),
            objective: Objective {
                weight_decay: F::cast(config.weight_decay()),
                workspace: model.workspace(training_rows.len())?,
                rows: training_rows,
            },
            memory: Memory::new(history, &shapes, stored)?,
            position: zeros()?,
            gradient: zeros()?,
            value: None,
            trial: zeros()?,
            trial_gradient: zeros()?,
            direction: zeros()?,
        })
    }
}

/// Sets the model's parameters to `origin + step · direction`.
fn move_to<F: Float, M: Trainable<F>>(
    model: &mut M,
    origin: &Blocks<F>,
    step: F,
    direction: &Blocks<F>,
) {
    for (block, (origin, direction)) in origin.iter().zip(direction).enumerate() {
        let (w, b1, b2) = model.block_params_mut(block);
        let ((ow, ob1, ob2), (dw, db1, db2)) = (origin.slices(), direction.slices());
        for (out, (o, d)) in [(w, (ow, dw)), (b1, (ob1, db1)), (b2, (ob2, db2))] {
            for ((out, &o), &d) in out.iter_mut().zip(o).zip(d) {
                *out = o + step * d;
            }
        }
    }
}

/// The function L-BFGS minimises: the loss over all training rows plus the weight decay
/// `λ/2 Σ ‖w‖²` over every block's weights.
struct Objective<F, W> {
    weight_decay: F,
    workspace: W,
    rows: Vec<usize>,
}

impl<F: Float, W> Objective<F, W> {
    /// The value at the model's parameters, and the gradient into `grads`.
    fn evaluate<M: Trainable<F, Workspace = W>>(
        &mut self,
        model: &M,
        data: &[F],
        config: &ValidTrainConfig,
        state: &mut TrainState<F>,
        grads: &mut [Gradients<F>],
    ) -> Value<F> {
        let (workspace, rows) = (&mut self.workspace, &self.rows[..]);
        let reconstruction =
            model.batch_gradient(workspace, data, rows, config, &mut state.noise_rng, grads);
        let weight_decay = self.weight_decay;
        let mut penalty = F::zero();
        if weight_decay > F::zero() {
            for (block, grads) in grads.iter_mut().enumerate() {
                let (w, _, _) = model.block_params(block);
                let (gw, _, _) = grads.slices_mut();
                for (g, &w) in gw.iter_mut().zip(w) {
                    *g += weight_decay * w;
                }
                penalty += linalg::dot(w, w);
            }
        }
        Value {
            objective: reconstruction + F::cast(0.5) * weight_decay * penalty,
            reconstruction,
        }
    }
}

impl<F: Float, M: Trainable<F>> EpochUpdate<F, M> for Lbfgs<F, M> {
    fn epoch(
        &mut self,
        model: &mut M,
        data: &[F],
        config: &ValidTrainConfig,
        state: &mut TrainState<F>,
        _epoch: usize,
    ) -> std::result::Result<EpochOutcome<F>, usize> {
        let Self {
            gradient_tolerance,
            loss_tolerance,
            objective,
            memory,
            position,
            gradient,
            value,
            trial,
            trial_gradient,
            direction,
        } = self;
        let current = match *value {
            Some(current) => current,
            None => {
                model.copy_params(position);
                let first = objective.evaluate(model, data, config, state, gradient);
                if !(first.objective.is_finite() && lbfgs::max_abs(gradient).is_finite()) {
                    return Err(0);
                }
                *value = Some(first);
                first
            }
        };
        let stay = |converged| EpochOutcome {
            loss: current.reconstruction,
            step: 0.0,
            converged,
        };
        if lbfgs::max_abs(gradient) <= *gradient_tolerance {
            return Ok(stay(true));
        }
        // The quasi-Newton direction; steepest descent when the memory is empty or its
        // direction does not descend (rounding), scaled to a first step of unit length.
        let mut initial_step = F::one();
        let mut slope = F::zero();
        if !memory.is_empty() {
            memory.direction(gradient, direction);
            slope = lbfgs::dot(gradient, direction);
        }
        let mut outcome = Outcome::Failed;
        for attempt in 0..2 {
            if memory.is_empty() || slope >= F::zero() || slope.is_nan() {
                memory.clear();
                lbfgs::negate_into(direction, gradient);
                slope = lbfgs::dot(gradient, direction);
                initial_step = F::one() / (-slope).sqrt();
            }
            let start = Probe {
                step: F::zero(),
                value: current.objective,
                slope,
            };
            let mut last = current;
            outcome = line_search::strong_wolfe(start, initial_step, MAX_EVALUATIONS, |step| {
                move_to(model, position, step, direction);
                last = objective.evaluate(model, data, config, state, trial_gradient);
                (last.objective, lbfgs::dot(trial_gradient, direction))
            });
            match outcome {
                Outcome::Accepted { last: true, .. } => {
                    *value = Some(last);
                    break;
                }
                Outcome::Accepted { probe, last: false } => {
                    move_to(model, position, probe.step, direction);
                    let again = objective.evaluate(model, data, config, state, trial_gradient);
                    *value = Some(again);
                    break;
                }
                // Retry once from steepest descent; after that no step lowers the loss.
                Outcome::Failed if attempt == 0 && !memory.is_empty() => memory.clear(),
                Outcome::Failed => break,
            }
        }
        let Outcome::Accepted { probe, .. } = outcome else {
            model.restore_params(position);
            return Ok(stay(true));
        };
        let new = value.expect("set by the accepted step");
        model.copy_params(trial);
        memory.push((position, trial), (gradient, trial_gradient));
        std::mem::swap(position, trial);
        std::mem::swap(gradient, trial_gradient);
        let decrease = current.objective - new.objective;
        let scale = current
            .objective
            .abs()
            .max(new.objective.abs())
            .max(F::min_positive_value());
        let converged =
            decrease <= *loss_tolerance * scale || lbfgs::max_abs(gradient) <= *gradient_tolerance;
        Ok(EpochOutcome {
            loss: new.reconstruction,
            step: probe.step.as_f64(),
            converged,
        })
    }

    fn finish(self, state: &mut TrainState<F>) {
        let n_blocks = self.position.len();
        state.optimizers = self
            .memory
            .into_states(n_blocks)
            .into_iter()
            .map(LevelOptimizer::Lbfgs)
            .collect();
    }
}
