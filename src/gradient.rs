//! One batch's loss and gradient: the encoder and decoder pieces put together.

use ndarray::{Array1, Array2};

use crate::{Activation, Float, Loss, decoder, encoder, loss};

/// Gradients of a batch's mean loss with respect to the parameters.
///
/// Because `W` is used twice (tied weights), `w` is the sum of the encoder's part `∂L/∂A1ᵀ X`
/// and the decoder's part `Yᵀ ∂L/∂A2`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Gradients<F> {
    /// `∂L/∂W`, `[n_hidden, n_inputs]`.
    pub w: Array2<F>,
    /// `∂L/∂b1`, `[n_hidden]`.
    pub b1: Array1<F>,
    /// `∂L/∂b2`, `[n_inputs]`.
    pub b2: Array1<F>,
}

impl<F: Float> Gradients<F> {
    pub(crate) fn zeros(n_inputs: usize, n_hidden: usize) -> Self {
        Self {
            w: Array2::zeros((n_hidden, n_inputs)),
            b1: Array1::zeros(n_hidden),
            b2: Array1::zeros(n_inputs),
        }
    }

    pub(crate) fn slices_mut(&mut self) -> (&mut [F], &mut [F], &mut [F]) {
        (
            slice_mut(self.w.as_slice_mut()),
            slice_mut(self.b1.as_slice_mut()),
            slice_mut(self.b2.as_slice_mut()),
        )
    }
}

/// The parameters `(W, b1, b2)` as row-major slices.
pub(crate) type ParamSlices<'a, F> = (&'a [F], &'a [F], &'a [F]);

/// Scratch buffers for batches of up to `capacity` rows, laid out lane-major (`[features, rows]`).
///
/// Allocated once per `fit`; the training loop itself never allocates. A batch goes through
/// the stages [`forward`](Self::forward), [`output_delta`](Self::output_delta),
/// [`backward_decoder`](Self::backward_decoder), [`hidden_preactivation_delta`](Self::hidden_preactivation_delta)
/// and [`backward_encoder`](Self::backward_encoder); penalties on the hidden layer act between
/// them through [`hidden`](Self::hidden) and [`hidden_delta_mut`](Self::hidden_delta_mut).
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
}

impl<F: Float> Workspace<F> {
    pub(crate) fn new(n_inputs: usize, n_hidden: usize, capacity: usize) -> Self {
        Self {
            n_inputs,
            n_hidden,
            inputs: vec![F::zero(); n_inputs * capacity],
            targets: Vec::new(),
            hidden: vec![F::zero(); n_hidden * capacity],
            output: vec![F::zero(); n_inputs * capacity],
            hidden_delta: vec![F::zero(); n_hidden * capacity],
        }
    }

    /// Copies the given rows of row-major `data` (`[n_samples, n_inputs]`) into the input lanes.
    pub(crate) fn load_rows(&mut self, data: &[F], rows: &[usize]) {
        let (d, lanes) = (self.n_inputs, rows.len());
        for (lane, &row) in rows.iter().enumerate() {
            let sample = &data[row * d..(row + 1) * d];
            for (i, &v) in sample.iter().enumerate() {
                self.inputs[i * lanes + lane] = v;
            }
        }
    }

    /// The loaded inputs, `[n_inputs, lanes]`, for corruption in place (denoising). The first
    /// call keeps a copy of the clean inputs as the reconstruction targets of this batch.
    pub(crate) fn corruptible_inputs(&mut self, lanes: usize) -> &mut [F] {
        let n = self.n_inputs * lanes;
        self.targets.clear();
        self.targets.extend_from_slice(&self.inputs[..n]);
        &mut self.inputs[..n]
    }

    #[allow(dead_code)] // a hook for the regularised trainer
    /// Forgets the clean targets kept by [`corruptible_inputs`](Self::corruptible_inputs).
    pub(crate) fn clear_targets(&mut self) {
        self.targets.clear();
    }

    /// Loss and gradient of the `lanes` loaded rows: the mean loss over all `lanes · n_inputs`
    /// elements; gradients overwrite `grads`.
    pub(crate) fn loss_and_gradient<A: Activation, O: Activation>(
        &mut self,
        params: ParamSlices<'_, F>,
        lanes: usize,
        loss: Loss,
        grads: &mut Gradients<F>,
    ) -> F {
        if lanes == 1 {
            return self.one_sample_loss_and_gradient::<A, O>(params, loss, grads);
        }
        self.forward::<A>(params, lanes);
        let value = self.output_delta::<O>(loss, lanes);
        self.backward_decoder(params, lanes, grads);
        self.hidden_preactivation_delta::<A>(lanes);
        self.backward_encoder(lanes, grads);
        value
    }

    /// [`loss_and_gradient`](Self::loss_and_gradient) for one sample (online training): the same
    /// stages as plain loops over features, without the lane machinery.
    fn one_sample_loss_and_gradient<A: Activation, O: Activation>(
        &mut self,
        (w, b1, b2): ParamSlices<'_, F>,
        loss: Loss,
        grads: &mut Gradients<F>,
    ) -> F {
        let (d, h) = (self.n_inputs, self.n_hidden);
        let x = &self.inputs[..d];
        let hidden = &mut self.hidden[..h];
        for ((y, w_row), &bias) in hidden.iter_mut().zip(w.chunks_exact(d)).zip(b1) {
            *y = bias
                + w_row
                    .iter()
                    .zip(x)
                    .fold(F::zero(), |s, (&wv, &xv)| s + wv * xv);
        }
        encoder::activate_in_place::<F, A>(hidden);
        let output = &mut self.output[..d];
        output.copy_from_slice(b2);
        for (&y, w_row) in hidden.iter().zip(w.chunks_exact(d)) {
            for (o, &wv) in output.iter_mut().zip(w_row) {
                *o += wv * y;
            }
        }
        let targets = if self.targets.is_empty() {
            x
        } else {
            &self.targets[..d]
        };
        let value = loss::output_delta::<F, O>(loss, output, targets);

        let (grad_w, grad_b1, grad_b2) = grads.slices_mut();
        grad_b2.copy_from_slice(output);
        for (((&y, w_row), g_row), g_b1) in hidden
            .iter()
            .zip(w.chunks_exact(d))
            .zip(grad_w.chunks_exact_mut(d))
            .zip(grad_b1)
        {
            let delta_y = w_row
                .iter()
                .zip(output.iter())
                .fold(F::zero(), |s, (&wv, &o)| s + wv * o);
            let delta_a1 = delta_y * A::derivative(y);
            *g_b1 = delta_a1;
            for ((g, &o), &xv) in g_row.iter_mut().zip(output.iter()).zip(x) {
                *g = y * o + delta_a1 * xv;
            }
        }
        value
    }

    /// Hidden outputs `Y` and output logits `A2`.
    pub(crate) fn forward<A: Activation>(&mut self, (w, b1, b2): ParamSlices<'_, F>, lanes: usize) {
        let (d, h) = (self.n_inputs, self.n_hidden);
        let hidden = &mut self.hidden[..h * lanes];
        encoder::forward_lanes::<F, A>(w, b1, &self.inputs[..d * lanes], hidden, lanes);
        decoder::logits_lanes(w, b2, hidden, &mut self.output[..d * lanes], lanes);
    }

    /// Replaces the logits by `∂L/∂A2` and returns the batch's mean reconstruction loss.
    pub(crate) fn output_delta<O: Activation>(&mut self, loss: Loss, lanes: usize) -> F {
        let n = self.n_inputs * lanes;
        let targets = if self.targets.is_empty() {
            &self.inputs[..n]
        } else {
            &self.targets[..n]
        };
        loss::output_delta::<F, O>(loss, &mut self.output[..n], targets)
    }

    /// Decoder share: `grad_w = Yᵀ ∂L/∂A2` (overwritten), `grad_b2`, and `∂L/∂Y`.
    pub(crate) fn backward_decoder(
        &mut self,
        (w, _, _): ParamSlices<'_, F>,
        lanes: usize,
        grads: &mut Gradients<F>,
    ) {
        let (d, h) = (self.n_inputs, self.n_hidden);
        let (grad_w, _, grad_b2) = grads.slices_mut();
        grad_w.fill(F::zero());
        decoder::backward_lanes(
            w,
            &self.hidden[..h * lanes],
            &self.output[..d * lanes],
            grad_w,
            grad_b2,
            &mut self.hidden_delta[..h * lanes],
            lanes,
        );
    }

    /// `∂L/∂A1 = ∂L/∂Y ⊙ f'(A1)` in place.
    pub(crate) fn hidden_preactivation_delta<A: Activation>(&mut self, lanes: usize) {
        let h = self.n_hidden;
        encoder::preactivation_delta_lanes::<F, A>(
            &self.hidden[..h * lanes],
            &mut self.hidden_delta[..h * lanes],
        );
    }

    /// Encoder share: `grad_w += ∂L/∂A1ᵀ X` and `grad_b1`.
    pub(crate) fn backward_encoder(&mut self, lanes: usize, grads: &mut Gradients<F>) {
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

    #[allow(dead_code)] // a hook for the regularised trainer
    /// Hidden outputs `Y` of the last forward pass, `[n_hidden, lanes]`.
    pub(crate) fn hidden(&self, lanes: usize) -> &[F] {
        &self.hidden[..self.n_hidden * lanes]
    }

    /// Hidden outputs `Y` (read) and the hidden delta (`∂L/∂Y` or `∂L/∂A1`, by stage; write).
    pub(crate) fn hidden_delta_mut(&mut self, lanes: usize) -> (&[F], &mut [F]) {
        let n = self.n_hidden * lanes;
        (&self.hidden[..n], &mut self.hidden_delta[..n])
    }
}

pub(crate) fn slice_mut<F>(s: Option<&mut [F]>) -> &mut [F] {
    // Every array the crate allocates itself is in standard (row-major, contiguous) layout.
    s.expect("crate-owned arrays are contiguous")
}
