//! An epoch of mini-batches (or single samples): each batch's gradient, then one step of a
//! per-block update rule (SGD or Adam) on every block.

use rand::seq::SliceRandom;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::Gradients;
use crate::train::config::ValidTrainConfig;
use crate::train::optimizer::UpdateRule;
use crate::train::state::TrainState;
use crate::train::trainer::{EpochOutcome, EpochUpdate, Trainable};

/// The mini-batch epoch with the rule made by `settings` from each epoch's learning rate.
pub(crate) struct MiniBatches<F: Float, M: Trainable<F>, R: UpdateRule<F>, S> {
    settings: S,
    rule_states: Vec<R::State>,
    workspace: M::Workspace,
    grads: Vec<Gradients<F>>,
    training_rows: Vec<usize>,
    order: Vec<usize>,
    batch_size: usize,
}

impl<F, M, R, S> MiniBatches<F, M, R, S>
where
    F: Float,
    M: Trainable<F>,
    R: UpdateRule<F>,
    S: Fn(F) -> R,
{
    /// Buffers for batches of `config.batch_size()` of `training_rows`, and the rule's states
    /// taken out of `state` (handed back by [`EpochUpdate::finish`]).
    pub(crate) fn new(
        model: &M,
        training_rows: Vec<usize>,
        config: &ValidTrainConfig,
        state: &mut TrainState<F>,
        settings: S,
    ) -> Result<Self> {
        let rule_states = std::mem::take(&mut state.optimizers)
            .into_iter()
            .map(R::stored_state)
            .collect::<Option<Vec<_>>>()
            .ok_or(Error::IncompatibleTrainState {
                reason: "the state was made with another optimiser",
            })?;
        let batch_size = config.batch_size().min(training_rows.len());
        let grads = model
            .block_shapes()
            .iter()
            .map(|&shape| Gradients::try_shaped(shape, "training buffers"))
            .collect::<Result<_>>()?;
        Ok(Self {
            settings,
            rule_states,
            workspace: model.workspace(batch_size)?,
            grads,
            order: training_rows.clone(),
            training_rows,
            batch_size,
        })
    }
}

impl<F, M, R, S> EpochUpdate<F, M> for MiniBatches<F, M, R, S>
where
    F: Float,
    M: Trainable<F>,
    R: UpdateRule<F>,
    S: Fn(F) -> R,
{
    fn epoch(
        &mut self,
        model: &mut M,
        data: &[F],
        config: &ValidTrainConfig,
        state: &mut TrainState<F>,
        epoch: usize,
    ) -> std::result::Result<EpochOutcome<F>, usize> {
        let learning_rate = state.schedule.rate(epoch);
        let rule = (self.settings)(F::cast(learning_rate));
        if config.shuffle() {
            self.order.copy_from_slice(&self.training_rows);
            self.order.shuffle(&mut state.shuffle_rng);
        }
        let batch_size = self.batch_size;
        let online = match batch_size {
            1 => model.online_epoch(data, &self.order, config, &rule, &mut self.rule_states),
            _ => None,
        };
        let mut weighted_sum = match online {
            Some(Ok(sum)) => sum,
            Some(Err(batch)) => return Err(batch),
            None => F::zero(),
        };
        let batches = match online {
            Some(_) => &[][..],
            None => &self.order[..],
        };
        for (batch, rows) in batches.chunks(batch_size).enumerate() {
            let loss = model.batch_gradient(
                &mut self.workspace,
                data,
                rows,
                config,
                &mut state.noise_rng,
                &mut self.grads,
            );
            if !loss.is_finite() {
                return Err(batch);
            }
            weighted_sum += loss * F::cast(rows.len() as f64);
            for (block, (rule_state, block_grads)) in
                self.rule_states.iter_mut().zip(&self.grads).enumerate()
            {
                rule.step(
                    model.block_params_mut(block),
                    block_grads.slices(),
                    rule_state,
                );
            }
        }
        let n_samples = self.training_rows.len();
        if !model.params_finite(self.grads.len()) {
            return Err(n_samples.div_ceil(batch_size) - 1);
        }
        Ok(EpochOutcome {
            loss: weighted_sum / F::cast(n_samples as f64),
            step: learning_rate,
            converged: false,
        })
    }

    fn finish(self, state: &mut TrainState<F>) {
        state.optimizers = self.rule_states.into_iter().map(Into::into).collect();
    }
}
