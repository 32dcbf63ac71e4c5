//! The epoch and mini-batch loop.

use std::time::Instant;

use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::gradient::{Gradients, Workspace, slice_mut};
use crate::train::config::ValidTrainConfig;
use crate::train::observer::{Control, EpochStats, FitReport, Observer, StopReason};
use crate::train::optimizer::{MomentumState, SgdMomentum};
use crate::{Activation, Error, Float, Result};

/// The trainable parameters, borrowed from the model.
pub(crate) struct Parameters<'a, F> {
    pub(crate) w: &'a mut Array2<F>,
    pub(crate) b1: &'a mut Array1<F>,
    pub(crate) b2: &'a mut Array1<F>,
}

impl<F: Float> Parameters<'_, F> {
    fn slices(&self) -> (&[F], &[F], &[F]) {
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

    fn copy_to(&self, snapshot: &mut Gradients<F>) {
        snapshot.w.assign(self.w);
        snapshot.b1.assign(self.b1);
        snapshot.b2.assign(self.b2);
    }

    fn restore(&mut self, snapshot: &Gradients<F>) {
        self.w.assign(&snapshot.w);
        self.b1.assign(&snapshot.b1);
        self.b2.assign(&snapshot.b2);
    }
}

fn slice<F>(s: Option<&[F]>) -> &[F] {
    // The model keeps its arrays in standard layout.
    s.expect("model arrays are contiguous")
}

/// Trains `params` on row-major `data` (`[n_samples, n_inputs]`, already validated).
///
/// On divergence the parameters are restored to those at the end of the last completed epoch.
pub(crate) fn train<F, A, O, Ob>(
    mut params: Parameters<'_, F>,
    data: &[F],
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
    let n_samples = data.len() / n_inputs;
    let batch_size = config.batch_size().min(n_samples);
    let n_batches = n_samples.div_ceil(batch_size);
    let optimizer = SgdMomentum {
        learning_rate: F::cast(config.learning_rate()),
        momentum: F::cast(config.momentum()),
        nesterov: config.nesterov(),
        weight_decay: F::cast(config.weight_decay()),
    };

    let mut workspace = Workspace::new(n_inputs, n_hidden, batch_size);
    let mut grads = Gradients::zeros(n_inputs, n_hidden);
    let mut state = MomentumState::new(n_inputs, n_hidden);
    // Parameters at the end of the last completed epoch, for recovery from divergence.
    let mut snapshot = Gradients::zeros(n_inputs, n_hidden);
    params.copy_to(&mut snapshot);
    let mut order: Vec<usize> = (0..n_samples).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed());
    let sample_count = F::cast(n_samples as f64);

    let start = Instant::now();
    observer.on_start();
    let mut epoch_losses = Vec::with_capacity(config.epochs());
    let mut stop_reason = StopReason::MaxEpochs;
    for epoch in 0..config.epochs() {
        if config.shuffle() {
            for (i, slot) in order.iter_mut().enumerate() {
                *slot = i;
            }
            order.shuffle(&mut rng);
        }
        let mut weighted_sum = F::zero();
        for (batch, rows) in order.chunks(batch_size).enumerate() {
            workspace.load_rows(data, rows);
            let loss = workspace.loss_and_gradient::<A, O>(
                params.slices(),
                rows.len(),
                config.loss(),
                &mut grads,
            );
            if !loss.is_finite() {
                params.restore(&snapshot);
                return Err(Error::Diverged { epoch, batch });
            }
            weighted_sum += loss * F::cast(rows.len() as f64);
            optimizer.step(params.slices_mut(), &grads, &mut state);
        }
        if !params.all_finite() {
            params.restore(&snapshot);
            return Err(Error::Diverged { epoch, batch: n_batches - 1 });
        }
        params.copy_to(&mut snapshot);

        let loss = weighted_sum / sample_count;
        epoch_losses.push(loss);
        let stats =
            EpochStats { epoch, loss, learning_rate: config.learning_rate(), elapsed: start.elapsed() };
        let control = observer.on_epoch_end(&stats);
        if loss.as_f64() <= config.tolerance() {
            stop_reason = StopReason::Tolerance;
            break;
        }
        if control == Control::Stop {
            stop_reason = StopReason::Observer;
            break;
        }
    }
    let report = FitReport { epoch_losses, stop_reason, elapsed: start.elapsed() };
    observer.on_finish(&report);
    Ok(report)
}
