//! Training a stack end to end: the lane-major buffers of a batch, the forward and backward
//! passes through every level (the layer formulas of `encoder` and `decoder`), and the stack's
//! parameter blocks for the trainer.

use rand_chacha::ChaCha8Rng;

use super::{Level, StackedAutoencoder, slice};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients, ParamSlices, element_count, try_filled};
use crate::kernels;
use crate::linalg::{self, Op};
use crate::loss::{self, Loss};
use crate::train::config::{GradientOptions, ValidTrainConfig};
use crate::train::trainer::Trainable;
use crate::{decoder, encoder};

/// Scratch buffers of the stack's forward and backward passes, lane-major (`[features, rows]`).
pub(crate) struct StackWorkspace<F> {
    n_inputs: usize,
    /// Inputs, `[n_0, rows]`.
    inputs: Vec<F>,
    /// Clean targets when the inputs are corrupted.
    targets: Vec<F>,
    /// Encoder outputs `h_k`, `[n_k, rows]`, k = 1 … L.
    encoded: Vec<Vec<F>>,
    /// Decoder outputs `g_{k−1}` of level `k` (level 1: the output logits, then `∂L/∂A`).
    decoded: Vec<Vec<F>>,
    /// Two delta buffers of the widest layer.
    delta: [Vec<F>; 2],
}

impl<F: Float> StackWorkspace<F> {
    pub(super) fn load_rows(&mut self, data: &[F], rows: &[usize]) {
        let (lanes, d) = (rows.len(), self.n_inputs);
        let sample = |j: usize| &data[rows[j] * d..][..d];
        linalg::rows_to_lanes(lanes, sample, d, &mut self.inputs, lanes, 0);
    }

    /// Forward pass to the output logits (in `decoded[0]`).
    #[inline(always)]
    fn forward<A: Activation>(&mut self, levels: &[Level<F>], lanes: usize) {
        let n_levels = levels.len();
        for (k, level) in levels.iter().enumerate() {
            let (lower, upper) = self.encoded.split_at_mut(k);
            let input: &[F] = if k == 0 { &self.inputs } else { &lower[k - 1] };
            let n_in = level.w.ncols() * lanes;
            let n_out = level.w.nrows() * lanes;
            encoder::forward_lanes::<F, A>(
                slice(&level.w),
                slice(&level.b1),
                &input[..n_in],
                &mut upper[0][..n_out],
                lanes,
            );
        }
        for k in (0..n_levels).rev() {
            let level = &levels[k];
            let (lower, upper) = self.decoded.split_at_mut(k + 1);
            let input: &[F] = if k + 1 == n_levels {
                &self.encoded[k]
            } else {
                &upper[0]
            };
            let n_in = level.w.nrows() * lanes;
            let out = &mut lower[k][..level.w.ncols() * lanes];
            decoder::logits_lanes(
                level.decoder_weights(),
                slice(&level.b2),
                &input[..n_in],
                out,
                lanes,
            );
            if k > 0 {
                encoder::activate_in_place::<F, A>(out);
            }
        }
    }

    #[inline(always)]
    fn output_delta<O: Activation>(&mut self, loss: Loss, lanes: usize) -> F {
        let n = self.n_inputs * lanes;
        let targets = if self.targets.is_empty() {
            &self.inputs[..n]
        } else {
            &self.targets[..n]
        };
        loss::output_delta::<F, O>(loss, &mut self.decoded[0][..n], targets)
    }

    pub(super) fn loss_and_gradient<A: Activation, O: Activation>(
        &mut self,
        levels: &[Level<F>],
        lanes: usize,
        loss: Loss,
        grads: &mut [Gradients<F>],
    ) -> F {
        // One dispatch for the whole pass: the layer formulas are inlined into it, so their
        // loops (activations, deltas, bias sums) use the widest vectors the CPU has.
        kernels::vectorized(
            #[inline(always)]
            || {
                self.forward::<A>(levels, lanes);
                let value = self.output_delta::<O>(loss, lanes);
                self.backward::<A>(levels, lanes, grads);
                value
            },
        )
    }

    /// Backward pass from `∂L/∂A` of the output (in `decoded[0]`).
    #[inline(always)]
    fn backward<A: Activation>(
        &mut self,
        levels: &[Level<F>],
        lanes: usize,
        grads: &mut [Gradients<F>],
    ) {
        let n_levels = levels.len();
        for g in grads.iter_mut() {
            g.w.fill(F::zero());
        }
        // Every level's block, then (untied) every level's `V`.
        let (grads, v_grads) = grads.split_at_mut(n_levels);
        let [first, second] = &mut self.delta;
        // Decoder levels, from the output up: level k maps g_k (n_k wide) to g_{k−1}.
        let width0 = levels[0].w.ncols() * lanes;
        first[..width0].copy_from_slice(&self.decoded[0][..width0]);
        let (mut delta, mut next) = (first, second);
        for (k, level) in levels.iter().enumerate() {
            let n_hidden = level.w.nrows() * lanes;
            let n_inputs = level.w.ncols() * lanes;
            let input: &[F] = if k + 1 == n_levels {
                &self.encoded[k]
            } else {
                &self.decoded[k + 1]
            };
            let (gw, _, gb2) = grads[k].slices_mut();
            let grad_m = match v_grads.get_mut(k) {
                Some(grad_v) => grad_v.slices_mut().0,
                None => gw,
            };
            decoder::backward_lanes(
                level.decoder_weights(),
                &input[..n_hidden],
                &delta[..n_inputs],
                grad_m,
                gb2,
                &mut next[..n_hidden],
                lanes,
            );
            if k + 1 < n_levels {
                encoder::preactivation_delta_lanes::<F, A>(
                    &input[..n_hidden],
                    &mut next[..n_hidden],
                );
            }
            std::mem::swap(&mut delta, &mut next);
        }
        // Encoder levels, from the code down: `delta` holds ∂L/∂h_L.
        for k in (0..n_levels).rev() {
            let level = &levels[k];
            let n_hidden = level.w.nrows() * lanes;
            let n_inputs = level.w.ncols() * lanes;
            encoder::preactivation_delta_lanes::<F, A>(
                &self.encoded[k][..n_hidden],
                &mut delta[..n_hidden],
            );
            let input: &[F] = if k == 0 {
                &self.inputs
            } else {
                &self.encoded[k - 1]
            };
            let (gw, gb1, _) = grads[k].slices_mut();
            encoder::backward_lanes(&input[..n_inputs], &delta[..n_hidden], gw, gb1, lanes);
            if k > 0 {
                linalg::mat_lanes(
                    slice(&level.w),
                    level.w.nrows(),
                    level.w.ncols(),
                    Op::T,
                    &delta[..n_hidden],
                    &mut next[..n_inputs],
                    lanes,
                    false,
                );
                std::mem::swap(&mut delta, &mut next);
            }
        }
    }
}

impl<F: Float, A: Activation, O: Activation> Trainable<F> for StackedAutoencoder<F, A, O> {
    type Workspace = StackWorkspace<F>;
    type Output = O;

    fn check_config(&self, config: &ValidTrainConfig) -> Result<()> {
        let off = "off when fine-tuning a stack";
        // Noise applies (`batch_gradient`); the penalties on one hidden layer have no
        // definition for a stack here.
        let GradientOptions {
            noise: _,
            sparsity,
            contractive,
        } = config.gradient_options();
        if let Some(s) = sparsity {
            return Err(Error::InvalidParameter {
                name: "sparsity",
                value: s.rho,
                expected: off,
            });
        }
        if let Some(c) = contractive {
            return Err(Error::InvalidParameter {
                name: "contractive",
                value: c.lambda,
                expected: off,
            });
        }
        Ok(())
    }

    fn n_inputs(&self) -> usize {
        StackedAutoencoder::n_inputs(self)
    }

    /// Every level's `(W, b1, b2)`, bottom first, then every untied level's `V`.
    fn block_shapes(&self) -> Vec<BlockShape> {
        let layers = self
            .levels
            .iter()
            .map(|l| BlockShape::layer(l.w.ncols(), l.w.nrows()));
        let decoders = self.levels.iter().filter_map(|l| l.v.as_ref());
        let decoders = decoders.map(|v| BlockShape::weights(v.nrows(), v.ncols()));
        layers.chain(decoders).collect()
    }

    fn block_params(&self, block: usize) -> ParamSlices<'_, F> {
        let n_levels = self.levels.len();
        match self.levels.get(block) {
            Some(l) => (slice(&l.w), slice(&l.b1), slice(&l.b2)),
            None => {
                let v = self.levels[block - n_levels].v.as_ref();
                (slice(v.expect("a block past the levels is a V")), &[], &[])
            }
        }
    }

    fn block_params_mut(&mut self, block: usize) -> (&mut [F], &mut [F], &mut [F]) {
        use crate::gradient::slice_mut;
        let n_levels = self.levels.len();
        if block < n_levels {
            let l = &mut self.levels[block];
            return (
                slice_mut(l.w.as_slice_mut()),
                slice_mut(l.b1.as_slice_mut()),
                slice_mut(l.b2.as_slice_mut()),
            );
        }
        let v = self.levels[block - n_levels].v.as_mut();
        let v = v.expect("a block past the levels is a V");
        (slice_mut(v.as_slice_mut()), &mut [], &mut [])
    }

    fn workspace(&self, capacity: usize) -> Result<StackWorkspace<F>> {
        const WHAT: &str = "training buffers";
        let zeros = |width| try_filled(element_count(width, capacity, WHAT)?, F::zero(), WHAT);
        let widest = self.layer_sizes().into_iter().max().unwrap_or(0);
        Ok(StackWorkspace {
            n_inputs: self.n_inputs(),
            inputs: zeros(self.n_inputs())?,
            targets: Vec::new(),
            encoded: self
                .levels
                .iter()
                .map(|l| zeros(l.w.nrows()))
                .collect::<Result<_>>()?,
            decoded: self
                .levels
                .iter()
                .map(|l| zeros(l.w.ncols()))
                .collect::<Result<_>>()?,
            delta: [zeros(widest)?, zeros(widest)?],
        })
    }

    fn batch_gradient(
        &self,
        workspace: &mut StackWorkspace<F>,
        data: &[F],
        rows: &[usize],
        config: &ValidTrainConfig,
        noise_rng: &mut ChaCha8Rng,
        grads: &mut [Gradients<F>],
    ) -> F {
        let lanes = rows.len();
        workspace.load_rows(data, rows);
        // `check_config` refused the penalties.
        let GradientOptions {
            noise,
            sparsity: None,
            contractive: None,
        } = config.gradient_options()
        else {
            unreachable!("stack penalties are refused before training");
        };
        workspace.targets.clear();
        if noise.is_active() {
            let n = self.n_inputs() * lanes;
            workspace.targets.extend_from_slice(&workspace.inputs[..n]);
            noise.corrupt(&mut workspace.inputs[..n], noise_rng);
        }
        workspace.loss_and_gradient::<A, O>(&self.levels, lanes, config.loss(), grads)
    }

    fn batch_loss(
        &self,
        workspace: &mut StackWorkspace<F>,
        data: &[F],
        rows: &[usize],
        loss: Loss,
    ) -> F {
        workspace.load_rows(data, rows);
        workspace.targets.clear();
        workspace.forward::<A>(&self.levels, rows.len());
        workspace.output_delta::<O>(loss, rows.len())
    }
}
