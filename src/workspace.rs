//! The scratch buffers of one layer's batch and the stages that run on them: lane-major
//! (samples in the vector lanes) for every batch, and the row form (sample-major parts) for
//! plain batches of wide layers. `plan.rs` chooses between them; the formulas are those of
//! `encoder`, `decoder` and `loss`.
//!
//! The stages and the row form are kept together: they share the buffers and the parts.

use crate::activation::Activation;
use crate::decoder;
use crate::error::Result;
use crate::float::Float;
use crate::gradient::{
    BlockShape, Gradients, Layer, LayerSlicesMut, element_count, try_filled, try_with_capacity,
};
use crate::linalg::{self, Op};
use crate::loss::{self, Loss};
use crate::plan::{self, BatchStrategy};
use crate::{encoder, kernels};

/// Scratch buffers for batches of up to `capacity` rows, laid out lane-major (`[features, rows]`),
/// plus sample-major ones for wide layers (see `plan::has_row_form`).
///
/// Allocated once per `fit`; the training loop itself never allocates. A batch goes through
/// the stages [`forward`](Self::forward), [`output_delta`](Self::output_delta),
/// [`backward_decoder`](Self::backward_decoder), [`hidden_preactivation_delta`](Self::hidden_preactivation_delta)
/// and [`backward_encoder`](Self::backward_encoder); penalties on the hidden layer act between
/// them through [`hidden_delta_mut`](Self::hidden_delta_mut).
/// [`loss_and_gradient`](Self::loss_and_gradient) runs them all.
#[derive(Debug, Clone)]
pub(crate) struct Workspace<F> {
    n_inputs: usize,
    n_hidden: usize,
    /// Inputs of the batch, `[n_inputs, rows]`.
    inputs: Vec<F>,
    /// Reconstruction targets when they differ from the inputs (denoising), `[n_inputs, rows]`.
    targets: Vec<F>,
    /// Hidden outputs `Y`, `[n_hidden, rows]`.
    hidden: Vec<F>,
    /// Output logits `A2`, then `∂L/∂A2`, `[n_inputs, rows]`.
    output: Vec<F>,
    /// `∂L/∂Y`, then `∂L/∂A1`, `[n_hidden, rows]`.
    hidden_delta: Vec<F>,
    /// The batch in the row form (see `plan::has_row_form`), in parts of [`PART_ROWS`]
    /// samples; empty otherwise.
    parts: Vec<RowPart<F>>,
    /// `Wᵀ`, `[n_inputs, n_hidden]`, in the row form.
    w_t: Vec<F>,
    /// `Vᵀ`, `[n_hidden, n_inputs]`, in the row form of an untied layer.
    v_t: Vec<F>,
    /// Whether `inputs` still has to be filled from the sample-major copies in `parts`.
    inputs_stale: bool,
}

/// Samples per part of a batch in the row form. The partition depends only on the batch, so the
/// result is the same whether the parts run one after another or on several threads (feature
/// `threading`); their losses and gradients are added in part order.
const PART_ROWS: usize = 128;

/// One part of a batch in the row form, with its share of the loss and of the gradient.
#[derive(Debug, Clone)]
struct RowPart<F> {
    samples: PartSamples<F>,
    /// This part's terms of `∂L/∂W`, `∂L/∂b1`, `∂L/∂b2` and, untied, `∂L/∂V`; empty when
    /// batches have a single part, which writes the batch's gradient directly.
    grad: Gradients<F>,
    grad_v: Gradients<F>,
    /// This part's terms of the batch's mean loss.
    loss: F,
}

/// The samples of a part, sample-major, and the values computed from them.
#[derive(Debug, Clone)]
struct PartSamples<F> {
    /// Samples loaded.
    rows: usize,
    /// `[A2 then ∂L/∂A2 ; X]`, `[2 rows, n_inputs]`.
    out_x: Vec<F>,
    /// `[Y ; ∂L/∂Y then ∂L/∂A1]`, `[2 rows, n_hidden]`.
    y_delta: Vec<F>,
}

impl<F: Float> Workspace<F> {
    #[cfg(test)]
    pub(crate) fn new(n_inputs: usize, n_hidden: usize, capacity: usize) -> Self {
        Self::try_new(n_inputs, n_hidden, capacity, false).expect("small test sizes")
    }

    /// Buffers for batches of up to `capacity` rows of a tied or an `untied` layer, or
    /// [`Error::AllocationFailed`].
    pub(crate) fn try_new(
        n_inputs: usize,
        n_hidden: usize,
        capacity: usize,
        untied: bool,
    ) -> Result<Self> {
        const WHAT: &str = "training buffers";
        let row_form = plan::has_row_form(n_inputs, n_hidden);
        let n_parts = if row_form {
            capacity.div_ceil(PART_ROWS)
        } else {
            0
        };
        let part_rows = capacity.min(PART_ROWS);
        let zeros = |rows, cols| try_filled(element_count(rows, cols, WHAT)?, F::zero(), WHAT);
        let mut parts = try_with_capacity(n_parts, WHAT)?;
        for _ in 0..n_parts {
            parts.push(RowPart {
                samples: PartSamples {
                    rows: 0,
                    out_x: zeros(2 * part_rows, n_inputs)?,
                    y_delta: zeros(2 * part_rows, n_hidden)?,
                },
                grad: if n_parts > 1 {
                    Gradients::try_zeros(n_inputs, n_hidden, WHAT)?
                } else {
                    Gradients::try_zeros(0, 0, WHAT)?
                },
                grad_v: if n_parts > 1 && untied {
                    Gradients::try_shaped(BlockShape::weights(n_inputs, n_hidden), WHAT)?
                } else {
                    Gradients::try_zeros(0, 0, WHAT)?
                },
                loss: F::zero(),
            });
        }
        Ok(Self {
            n_inputs,
            n_hidden,
            inputs: zeros(n_inputs, capacity)?,
            targets: Vec::new(),
            hidden: zeros(n_hidden, capacity)?,
            output: zeros(n_inputs, capacity)?,
            hidden_delta: zeros(n_hidden, capacity)?,
            parts,
            w_t: if row_form {
                zeros(n_inputs, n_hidden)?
            } else {
                Vec::new()
            },
            v_t: if row_form && untied {
                zeros(n_inputs, n_hidden)?
            } else {
                Vec::new()
            },
            inputs_stale: false,
        })
    }

    /// Copies the given rows of row-major `data` (`[n_samples, n_inputs]`) into the input lanes
    /// (in the row form: into the parts' sample-major buffers, transposed into the lanes on
    /// demand).
    pub(crate) fn load_rows(&mut self, data: &[F], rows: &[usize]) {
        let (d, lanes) = (self.n_inputs, rows.len());
        if !self.parts.is_empty() && lanes > 1 {
            for (part, part_rows) in self.parts.iter_mut().zip(rows.chunks(PART_ROWS)) {
                part.samples.load(data, part_rows, d);
            }
            self.inputs_stale = true;
            return;
        }
        let inputs = &mut self.inputs[..d * lanes];
        if let [row] = rows {
            inputs.copy_from_slice(&data[row * d..(row + 1) * d]);
        } else {
            linalg::rows_to_lanes(lanes, |j| &data[rows[j] * d..][..d], d, inputs, lanes, 0);
        }
        self.inputs_stale = false;
    }

    /// Fills the input lanes from the sample-major copy if `load_rows` left them stale.
    #[inline(always)]
    fn lane_inputs(&mut self, lanes: usize) {
        if self.inputs_stale {
            let d = self.n_inputs;
            let parts = &self.parts[..lanes.div_ceil(PART_ROWS)];
            for (k, part) in parts.iter().enumerate() {
                let n = part.samples.rows;
                let x = &part.samples.out_x[n * d..2 * n * d];
                let sample = |r: usize| &x[r * d..][..d];
                linalg::rows_to_lanes(n, sample, d, &mut self.inputs, lanes, k * PART_ROWS);
            }
            self.inputs_stale = false;
        }
    }

    /// The loaded inputs, `[n_inputs, lanes]`, for corruption in place (denoising). The first
    /// call keeps a copy of the clean inputs as the reconstruction targets of this batch.
    pub(crate) fn corruptible_inputs(&mut self, lanes: usize) -> &mut [F] {
        self.lane_inputs(lanes);
        let n = self.n_inputs * lanes;
        self.targets.clear();
        self.targets.extend_from_slice(&self.inputs[..n]);
        &mut self.inputs[..n]
    }

    /// [`load_rows`](Self::load_rows) then [`loss_and_gradient`](Self::loss_and_gradient); in
    /// the row form each part copies its own rows, on its own thread with `threading`.
    pub(crate) fn rows_loss_and_gradient_of<A: Activation, O: Activation>(
        &mut self,
        layer: Layer<'_, F>,
        (data, rows): (&[F], &[usize]),
        loss: Loss,
        grads: &mut [Gradients<F>],
    ) -> F {
        if self.strategy(rows.len()) != BatchStrategy::Rows {
            self.load_rows(data, rows);
            return self.loss_and_gradient::<A, O>(layer, rows.len(), loss, grads);
        }
        self.targets.clear();
        self.inputs_stale = true;
        self.rows_loss_and_gradient::<A, O>(layer, rows.len(), Some((data, rows)), loss, grads)
    }

    /// The plan's strategy for a plain batch of `rows` samples.
    fn strategy(&self, rows: usize) -> BatchStrategy {
        plan::batch_strategy(self.n_inputs, self.n_hidden, rows, true)
    }

    /// Loss and gradient of the `lanes` loaded rows: the mean loss over all `lanes · n_inputs`
    /// elements; gradients overwrite `grads` (the layer's block, then `V`'s if untied).
    pub(crate) fn loss_and_gradient<A: Activation, O: Activation>(
        &mut self,
        layer: Layer<'_, F>,
        lanes: usize,
        loss: Loss,
        grads: &mut [Gradients<F>],
    ) -> F {
        // `load_rows` left the samples in the parts for the row form.
        if self.strategy(lanes) == BatchStrategy::Rows {
            return self.rows_loss_and_gradient::<A, O>(layer, lanes, None, loss, grads);
        }
        kernels::vectorized(
            #[inline(always)]
            || {
                self.forward_impl::<A>(layer, lanes);
                let value = self.output_delta_impl::<O>(loss, lanes);
                self.backward_decoder_impl(layer, lanes, grads);
                self.hidden_preactivation_delta_impl::<A>(lanes);
                self.backward_encoder_impl(lanes, &mut grads[0]);
                value
            },
        )
    }

    /// [`loss_and_gradient`](Self::loss_and_gradient) in the row form (see
    /// `plan::has_row_form`): the parts of the batch (at once with the `threading` feature),
    /// then their losses and gradients added in part order. With `source`, each part first
    /// copies its rows of the data.
    fn rows_loss_and_gradient<A: Activation, O: Activation>(
        &mut self,
        layer: Layer<'_, F>,
        lanes: usize,
        source: Option<(&[F], &[usize])>,
        loss: Loss,
        grads: &mut [Gradients<F>],
    ) -> F {
        let (d, h) = (self.n_inputs, self.n_hidden);
        let n_parts = lanes.div_ceil(PART_ROWS);
        // The last part is the smallest; if its products go to the GEMM, all do, and `Wᵀ`
        // (and `Vᵀ`) are not needed.
        let last_rows = lanes - (n_parts - 1) * PART_ROWS;
        if !linalg::is_gemm_sized(last_rows, d, h) {
            linalg::transpose(layer.w, h, d, &mut self.w_t);
            if let Some(v) = layer.v {
                linalg::transpose(v, d, h, &mut self.v_t);
            }
        }
        let transposed = (&self.w_t[..], &self.v_t[..]);
        let scale = F::one() / F::cast((lanes * d) as f64);
        let parts = &mut self.parts[..n_parts];
        let load = |samples: &mut PartSamples<F>, index: usize| {
            if let Some((data, rows)) = source {
                let end = rows.len().min((index + 1) * PART_ROWS);
                samples.load(data, &rows[index * PART_ROWS..end], d);
            }
        };
        if let [part] = parts {
            load(&mut part.samples, 0);
            let (layer_grads, v_grads) = grads.split_at_mut(1);
            let grad_v = v_grads.first_mut().map(|g| g.slices_mut().0);
            let grads = (layer_grads[0].slices_mut(), grad_v);
            return part
                .samples
                .loss_and_gradient::<A, O>(layer, transposed, loss, scale, grads);
        }
        for_each_part(parts, |(index, part)| {
            load(&mut part.samples, index);
            let grad_v = layer.v.map(|_| part.grad_v.slices_mut().0);
            let grads = (part.grad.slices_mut(), grad_v);
            part.loss = part
                .samples
                .loss_and_gradient::<A, O>(layer, transposed, loss, scale, grads);
        });
        let (layer_grads, v_grads) = grads.split_at_mut(1);
        let (grad_w, grad_b1, grad_b2) = layer_grads[0].slices_mut();
        add_parts(grad_w, parts, |part| part.grad.slices().0);
        add_parts(grad_b1, parts, |part| part.grad.slices().1);
        add_parts(grad_b2, parts, |part| part.grad.slices().2);
        if let Some(grad_v) = v_grads.first_mut() {
            add_parts(grad_v.slices_mut().0, parts, |part| part.grad_v.slices().0);
        }
        parts
            .iter()
            .skip(1)
            .fold(parts[0].loss, |sum, part| sum + part.loss)
    }

    /// Hidden outputs `Y` and output logits `A2`.
    pub(crate) fn forward<A: Activation>(&mut self, layer: Layer<'_, F>, lanes: usize) {
        kernels::vectorized(
            #[inline(always)]
            || self.forward_impl::<A>(layer, lanes),
        )
    }

    #[inline(always)]
    fn forward_impl<A: Activation>(&mut self, layer: Layer<'_, F>, lanes: usize) {
        self.lane_inputs(lanes);
        let (d, h) = (self.n_inputs, self.n_hidden);
        let hidden = &mut self.hidden[..h * lanes];
        let inputs = &self.inputs[..d * lanes];
        encoder::forward_lanes::<F, A>(layer.w, layer.b1, inputs, hidden, lanes);
        let output = &mut self.output[..d * lanes];
        decoder::logits_lanes(layer.decoder(), layer.b2, hidden, output, lanes);
    }

    /// Replaces the logits by `∂L/∂A2` and returns the batch's mean reconstruction loss.
    pub(crate) fn output_delta<O: Activation>(&mut self, loss: Loss, lanes: usize) -> F {
        kernels::vectorized(
            #[inline(always)]
            || self.output_delta_impl::<O>(loss, lanes),
        )
    }

    #[inline(always)]
    fn output_delta_impl<O: Activation>(&mut self, loss: Loss, lanes: usize) -> F {
        self.lane_inputs(lanes);
        let n = self.n_inputs * lanes;
        let targets = if self.targets.is_empty() {
            &self.inputs[..n]
        } else {
            &self.targets[..n]
        };
        loss::output_delta::<F, O>(loss, &mut self.output[..n], targets)
    }

    /// Decoder share: `grad_b2`, `∂L/∂Y`, and the decoder's weight gradient, overwritten (tied:
    /// `grad_w = Yᵀ ∂L/∂A2`; untied: `∂L/∂V` in the second block, and `grad_w` set to zero
    /// for the encoder's share).
    pub(crate) fn backward_decoder(
        &mut self,
        layer: Layer<'_, F>,
        lanes: usize,
        grads: &mut [Gradients<F>],
    ) {
        kernels::vectorized(
            #[inline(always)]
            || self.backward_decoder_impl(layer, lanes, grads),
        )
    }

    #[inline(always)]
    fn backward_decoder_impl(
        &mut self,
        layer: Layer<'_, F>,
        lanes: usize,
        grads: &mut [Gradients<F>],
    ) {
        let (d, h) = (self.n_inputs, self.n_hidden);
        let (layer_grads, v_grads) = grads.split_at_mut(1);
        let (grad_w, _, grad_b2) = layer_grads[0].slices_mut();
        grad_w.fill(F::zero());
        let grad_m = match v_grads.first_mut() {
            Some(grad_v) if layer.v.is_some() => {
                let grad_v = grad_v.slices_mut().0;
                grad_v.fill(F::zero());
                grad_v
            }
            _ => grad_w,
        };
        decoder::backward_lanes(
            layer.decoder(),
            &self.hidden[..h * lanes],
            &self.output[..d * lanes],
            grad_m,
            grad_b2,
            &mut self.hidden_delta[..h * lanes],
            lanes,
        );
    }

    /// `∂L/∂A1 = ∂L/∂Y ⊙ f'(A1)` in place.
    pub(crate) fn hidden_preactivation_delta<A: Activation>(&mut self, lanes: usize) {
        kernels::vectorized(
            #[inline(always)]
            || self.hidden_preactivation_delta_impl::<A>(lanes),
        )
    }

    #[inline(always)]
    fn hidden_preactivation_delta_impl<A: Activation>(&mut self, lanes: usize) {
        let h = self.n_hidden;
        encoder::preactivation_delta_lanes::<F, A>(
            &self.hidden[..h * lanes],
            &mut self.hidden_delta[..h * lanes],
        );
    }

    /// Encoder share: `grad_w += ∂L/∂A1ᵀ X` and `grad_b1`.
    pub(crate) fn backward_encoder(&mut self, lanes: usize, grads: &mut Gradients<F>) {
        kernels::vectorized(
            #[inline(always)]
            || self.backward_encoder_impl(lanes, grads),
        )
    }

    #[inline(always)]
    fn backward_encoder_impl(&mut self, lanes: usize, grads: &mut Gradients<F>) {
        self.lane_inputs(lanes);
        let (d, h) = (self.n_inputs, self.n_hidden);
        let (grad_w, grad_b1, _) = grads.slices_mut();
        encoder::backward_lanes(
            &self.inputs[..d * lanes],
            &self.hidden_delta[..h * lanes],
            grad_w,
            grad_b1,
            lanes,
        );
    }

    /// Hidden outputs `Y` (read) and the hidden delta (`∂L/∂Y` or `∂L/∂A1`, by stage; write).
    pub(crate) fn hidden_delta_mut(&mut self, lanes: usize) -> (&[F], &mut [F]) {
        let n = self.n_hidden * lanes;
        (&self.hidden[..n], &mut self.hidden_delta[..n])
    }
}

impl<F: Float> PartSamples<F> {
    /// Copies the given rows of row-major `data` (`[n_samples, d]`) into `X`.
    fn load(&mut self, data: &[F], rows: &[usize], d: usize) {
        let n = rows.len();
        self.rows = n;
        let x = &mut self.out_x[n * d..2 * n * d];
        for (out, &row) in x.chunks_exact_mut(d).zip(rows) {
            out.copy_from_slice(&data[row * d..(row + 1) * d]);
        }
    }

    /// These samples' terms of the batch's mean loss and of its gradient (written to `grads`),
    /// where `scale` is one over the number of elements in the whole batch:
    /// `Y = f(X Wᵀ + b1)`, `A2 = Y W + b2` (untied: `Y Vᵀ + b2`), then back. `(w_t, v_t)` are
    /// `Wᵀ` and `Vᵀ` where the products are not GEMM-sized.
    fn loss_and_gradient<A: Activation, O: Activation>(
        &mut self,
        layer: Layer<'_, F>,
        (w_t, v_t): (&[F], &[F]),
        loss: Loss,
        scale: F,
        ((grad_w, grad_b1, grad_b2), grad_v): (LayerSlicesMut<'_, F>, Option<&mut [F]>),
    ) -> F {
        let Layer { w, b1, b2, v } = layer;
        // Sample-major: each product's lanes (its contiguous dimension) are features here.
        let (d, h, samples) = (b2.len(), b1.len(), self.rows);
        let rows_out = &mut self.out_x[..2 * samples * d];
        let rows_hidden = &mut self.y_delta[..2 * samples * h];
        kernels::vectorized(
            #[inline(always)]
            || {
                let (out, x) = rows_out.split_at_mut(samples * d);
                let (y, delta_hidden) = rows_hidden.split_at_mut(samples * h);
                for row in y.chunks_exact_mut(h) {
                    row.copy_from_slice(b1);
                }
                linalg::mat_lanes_by_transposed(x, samples, d, w, w_t, y, h, true);
                encoder::activate_in_place::<F, A>(y);
                for row in out.chunks_exact_mut(d) {
                    row.copy_from_slice(b2);
                }
                match v {
                    None => linalg::mat_lanes(y, samples, h, Op::N, w, out, d, true),
                    Some(v) => linalg::mat_lanes_by_transposed(y, samples, h, v, v_t, out, d, true),
                }
                let value = loss::output_delta_scaled::<F, O>(loss, out, x, scale);
                // ∂L/∂Y = ∂L/∂A2 Wᵀ (untied: ∂L/∂A2 V), ∂L/∂A1 = ∂L/∂Y ⊙ f'(A1).
                match v {
                    None => linalg::mat_lanes_by_transposed(
                        out,
                        samples,
                        d,
                        w,
                        w_t,
                        delta_hidden,
                        h,
                        false,
                    ),
                    Some(v) => linalg::mat_lanes(out, samples, d, Op::N, v, delta_hidden, h, false),
                }
                encoder::preactivation_delta_lanes::<F, A>(y, delta_hidden);
                linalg::sum_rows(out, d, grad_b2);
                linalg::sum_rows(delta_hidden, h, grad_b1);
                match grad_v {
                    // ∂L/∂W = Yᵀ ∂L/∂A2 + ∂L/∂A1ᵀ X = [Y ; ∂L/∂A1]ᵀ [∂L/∂A2 ; X].
                    None => linalg::mat_lanes(
                        rows_hidden,
                        2 * samples,
                        h,
                        Op::T,
                        rows_out,
                        grad_w,
                        d,
                        false,
                    ),
                    // ∂L/∂W = ∂L/∂A1ᵀ X, ∂L/∂V = ∂L/∂A2ᵀ Y.
                    Some(grad_v) => {
                        linalg::mat_lanes(delta_hidden, samples, h, Op::T, x, grad_w, d, false);
                        linalg::mat_lanes(out, samples, d, Op::T, y, grad_v, h, false);
                    }
                }
                value
            },
        )
    }
}

/// `total = Σ term(part)` over the parts, in part order element by element (with `threading`,
/// large arrays in chunks on the current rayon pool: the order per element is the same).
fn add_parts<F: Float>(
    total: &mut [F],
    parts: &[RowPart<F>],
    term: impl Fn(&RowPart<F>) -> &[F] + Sync,
) {
    let add_range = |offset: usize, out: &mut [F]| {
        let end = offset + out.len();
        out.copy_from_slice(&term(&parts[0])[offset..end]);
        kernels::vectorized(
            #[inline(always)]
            || {
                for part in &parts[1..] {
                    for (t, &v) in out.iter_mut().zip(&term(part)[offset..end]) {
                        *t += v;
                    }
                }
            },
        );
    };
    #[cfg(feature = "threading")]
    {
        use rayon::iter::{IndexedParallelIterator, ParallelIterator};
        use rayon::slice::ParallelSliceMut;
        const CHUNK: usize = 1 << 14;
        if total.len() >= 4 * CHUNK {
            total
                .par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(i, out)| add_range(i * CHUNK, out));
            return;
        }
    }
    add_range(0, total);
}

/// Runs `f` on every part: on the current rayon thread pool with the `threading` feature, one
/// after another without it. Each part writes only its own buffers.
#[cfg(feature = "threading")]
fn for_each_part<F: Float>(
    parts: &mut [RowPart<F>],
    f: impl Fn((usize, &mut RowPart<F>)) + Send + Sync,
) {
    use rayon::iter::{IndexedParallelIterator, IntoParallelRefMutIterator, ParallelIterator};
    if parts.len() > 1 {
        parts.par_iter_mut().enumerate().for_each(f);
    } else {
        parts.iter_mut().enumerate().for_each(f);
    }
}

#[cfg(not(feature = "threading"))]
fn for_each_part<F: Float>(parts: &mut [RowPart<F>], f: impl Fn((usize, &mut RowPart<F>))) {
    parts.iter_mut().enumerate().for_each(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Sigmoid;

    /// The row form of `loss_and_gradient` against the lane-major stages, which the
    /// regularised trainer uses: one part, and three parts (128 + 128 + 44 samples), for tied
    /// and untied layers.
    #[test]
    fn row_form_matches_the_lane_stages() {
        for untied in [false, true] {
            row_form_matches_the_lane_stages_for(13, untied);
            row_form_matches_the_lane_stages_for(300, untied);
        }
    }

    fn row_form_matches_the_lane_stages_for(lanes: usize, untied: bool) {
        let (d, h) = (20, 17);
        let value = |i: usize, scale: f64| ((i * 37 % 101) as f64 * scale).sin();
        let data: Vec<f64> = (0..lanes * d).map(|i| 0.5 + 0.5 * value(i, 0.3)).collect();
        let w: Vec<f64> = (0..h * d).map(|i| 0.3 * value(i, 0.7)).collect();
        let v: Vec<f64> = (0..h * d).map(|i| 0.3 * value(i, 0.9)).collect();
        let b1: Vec<f64> = (0..h).map(|i| 0.1 * value(i, 1.1)).collect();
        let b2: Vec<f64> = (0..d).map(|i| 0.1 * value(i, 1.3)).collect();
        let layer = Layer {
            w: &w,
            b1: &b1,
            b2: &b2,
            v: untied.then_some(&v[..]),
        };
        let rows: Vec<usize> = (0..lanes).rev().collect();
        let zeros = || {
            let mut blocks = vec![Gradients::zeros(d, h)];
            if untied {
                blocks.push(Gradients::try_shaped(BlockShape::weights(d, h), "test").unwrap());
            }
            blocks
        };

        let mut ws = Workspace::try_new(d, h, lanes, untied).unwrap();
        assert!(!ws.parts.is_empty());
        let mut fast = zeros();
        ws.load_rows(&data, &rows);
        let fast_loss =
            ws.loss_and_gradient::<Sigmoid, Sigmoid>(layer, lanes, Loss::Mse, &mut fast);

        let mut staged = zeros();
        ws.load_rows(&data, &rows);
        ws.forward::<Sigmoid>(layer, lanes);
        let staged_loss = ws.output_delta::<Sigmoid>(Loss::Mse, lanes);
        ws.backward_decoder(layer, lanes, &mut staged);
        ws.hidden_preactivation_delta::<Sigmoid>(lanes);
        ws.backward_encoder(lanes, &mut staged[0]);

        // Sums over the samples in another order (by part, and through the GEMM): the values
        // (of order 1e-2) agree to a few units in the last place.
        assert!((fast_loss - staged_loss).abs() < 1e-15);
        let all = |blocks: &[Gradients<f64>]| -> Vec<f64> {
            let arrays = blocks
                .iter()
                .flat_map(|g| g.w.iter().chain(&g.b1).chain(&g.b2));
            arrays.copied().collect()
        };
        let (fast, staged) = (all(&fast), all(&staged));
        assert_eq!(fast.len(), h * d + h + d + usize::from(untied) * h * d);
        for (x, y) in fast.into_iter().zip(staged) {
            assert!((x - y).abs() < 1e-15, "{lanes} samples: {x} vs {y}");
        }
    }
}
