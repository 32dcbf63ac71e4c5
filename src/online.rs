//! Online training (one sample per step) of small models with SGD, an epoch at a time.
//!
//! With one sample per step the arithmetic is tiny (9-5-9: 90 multiply-adds each way) and loops
//! whose lengths are known only at run time, plus a separate gradient pass and optimiser pass,
//! cost more than the arithmetic. Here each row of `W`, `b2`, their velocities and the sample
//! are padded with zeros to a fixed width ([`MAX_INPUTS`] or 8), so every loop over inputs has a
//! length known at compile time and compiles to a few SIMD instructions; and each row of `W` is
//! updated as soon as its gradient is known. The loops over hidden units keep the run-time count.
//!
//! The padding stays exactly zero: padded inputs are zero, the padded outputs' logits are zero
//! and a mask zeroes their error, so their deltas, gradients and velocities are zero.
//!
//! The mathematics are those of the general path (`Workspace::loss_and_gradient` followed by
//! [`SgdMomentum::step`]): every gradient is computed from the parameters before the step. Dot
//! products over inputs add their terms in another order, so results agree to rounding, not bit
//! for bit.

use crate::activation::Activation;
use crate::float::Float;
use crate::gradient::Gradients;
use crate::kernels::{self, BLOCK, madd};
use crate::loss;
use crate::loss::Loss;
use crate::train::optimizer::SgdMomentum;

/// Largest `n_inputs` trained here.
pub(crate) const MAX_INPUTS: usize = 16;
/// Largest `n_hidden` trained here (one block of the vectorised sigmoid).
pub(crate) const MAX_HIDDEN: usize = BLOCK;

/// Whether a model of `n_inputs` and `n_hidden` fits the padded layout.
pub(crate) fn fits(n_inputs: usize, n_hidden: usize) -> bool {
    n_inputs <= MAX_INPUTS && n_hidden <= MAX_HIDDEN
}

/// One epoch of online SGD over the rows of row-major `data` in `order`: every step updates
/// `params` and `velocity`. Returns the sum of the per-sample losses, or the index in `order` of
/// the first sample whose loss is not finite (`params` and `velocity` are then left unchanged).
pub(crate) fn sgd_epoch<F: Float, A: Activation, O: Activation>(
    params: (&mut [F], &mut [F], &mut [F]),
    velocity: &mut Gradients<F>,
    sgd: &SgdMomentum<F>,
    loss: Loss,
    data: &[F],
    order: &[usize],
) -> Result<F, usize> {
    let n_inputs = params.2.len();
    debug_assert!(fits(n_inputs, params.1.len()));
    kernels::with_fma_256(
        #[inline(always)]
        |fma| match (n_inputs <= BLOCK, fma) {
            (true, true) => Padded::<F, BLOCK>::load(params, velocity)
                .epoch::<A, O, true>(sgd, loss, data, order),
            (true, false) => Padded::<F, BLOCK>::load(params, velocity)
                .epoch::<A, O, false>(sgd, loss, data, order),
            (false, true) => Padded::<F, MAX_INPUTS>::load(params, velocity)
                .epoch::<A, O, true>(sgd, loss, data, order),
            (false, false) => Padded::<F, MAX_INPUTS>::load(params, velocity)
                .epoch::<A, O, false>(sgd, loss, data, order),
        },
    )
}

/// A level's parameters and velocities with rows of `W` and `b2` padded to `N` (a multiple of
/// [`BLOCK`]) and `b1` to [`MAX_HIDDEN`], borrowing the unpadded ones to write back to.
struct Padded<'a, F, const N: usize> {
    w: [[F; N]; MAX_HIDDEN],
    b1: [F; MAX_HIDDEN],
    b2: [F; N],
    velocity_w: [[F; N]; MAX_HIDDEN],
    velocity_b1: [F; MAX_HIDDEN],
    velocity_b2: [F; N],
    /// 1 for the model's inputs, 0 for the padding.
    mask: [F; N],
    n_inputs: usize,
    n_hidden: usize,
    params: (&'a mut [F], &'a mut [F], &'a mut [F]),
    velocity: &'a mut Gradients<F>,
}

impl<'a, F: Float, const N: usize> Padded<'a, F, N> {
    #[inline(always)]
    fn load(
        params: (&'a mut [F], &'a mut [F], &'a mut [F]),
        velocity: &'a mut Gradients<F>,
    ) -> Self {
        let (n_hidden, n_inputs) = (params.1.len(), params.2.len());
        let zeros = [F::zero(); N];
        let mut padded = Self {
            w: [zeros; MAX_HIDDEN],
            b1: [F::zero(); MAX_HIDDEN],
            b2: zeros,
            velocity_w: [zeros; MAX_HIDDEN],
            velocity_b1: [F::zero(); MAX_HIDDEN],
            velocity_b2: zeros,
            mask: zeros,
            n_inputs,
            n_hidden,
            params,
            velocity,
        };
        let (vw, vb1, vb2) = padded.velocity.slices();
        for (row, (w, v)) in padded
            .params
            .0
            .chunks_exact(n_inputs)
            .zip(vw.chunks_exact(n_inputs))
            .enumerate()
        {
            padded.w[row][..n_inputs].copy_from_slice(w);
            padded.velocity_w[row][..n_inputs].copy_from_slice(v);
        }
        padded.b1[..n_hidden].copy_from_slice(padded.params.1);
        padded.velocity_b1[..n_hidden].copy_from_slice(vb1);
        padded.b2[..n_inputs].copy_from_slice(padded.params.2);
        padded.velocity_b2[..n_inputs].copy_from_slice(vb2);
        padded.mask[..n_inputs].fill(F::one());
        padded
    }

    /// Writes the parameters and velocities back to the borrowed arrays.
    #[inline(always)]
    fn store(self) {
        let (n_inputs, n_hidden) = (self.n_inputs, self.n_hidden);
        let (vw, vb1, vb2) = self.velocity.slices_mut();
        for (row, (w, v)) in self
            .params
            .0
            .chunks_exact_mut(n_inputs)
            .zip(vw.chunks_exact_mut(n_inputs))
            .enumerate()
        {
            w.copy_from_slice(&self.w[row][..n_inputs]);
            v.copy_from_slice(&self.velocity_w[row][..n_inputs]);
        }
        self.params.1.copy_from_slice(&self.b1[..n_hidden]);
        vb1.copy_from_slice(&self.velocity_b1[..n_hidden]);
        self.params.2.copy_from_slice(&self.b2[..n_inputs]);
        vb2.copy_from_slice(&self.velocity_b2[..n_inputs]);
    }

    #[inline(always)]
    fn epoch<A: Activation, O: Activation, const FMA: bool>(
        mut self,
        sgd: &SgdMomentum<F>,
        loss: Loss,
        data: &[F],
        order: &[usize],
    ) -> Result<F, usize> {
        let n_inputs = self.n_inputs;
        let mut x = [F::zero(); N];
        let mut sum = F::zero();
        for (i, &row) in order.iter().enumerate() {
            x[..n_inputs].copy_from_slice(&data[row * n_inputs..][..n_inputs]);
            let value = self.step::<A, O, FMA>(&x, sgd, loss);
            if !value.is_finite() {
                return Err(i);
            }
            sum += value;
        }
        self.store();
        Ok(sum)
    }

    /// Loss of sample `x` (zero past `n_inputs`), then one SGD step on its gradient.
    ///
    /// The update loops index the arrays: zipped iterators over the same rows compiled to
    /// slower code (W1 f32 10 % slower).
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn step<A: Activation, O: Activation, const FMA: bool>(
        &mut self,
        x: &[F; N],
        sgd: &SgdMomentum<F>,
        loss: Loss,
    ) -> F {
        let (d, h) = (self.n_inputs, self.n_hidden);
        let mut hidden = [F::zero(); MAX_HIDDEN];
        for ((y, w_row), &bias) in hidden[..h].iter_mut().zip(&self.w).zip(&self.b1) {
            *y = bias + dot::<F, FMA, N>(w_row, x);
        }
        if A::LOGISTIC {
            F::sigmoid_kernel::<FMA>(&mut hidden);
        } else {
            A::apply_in_place(&mut hidden[..h]);
        }
        let mut output = self.b2;
        for (&y, w_row) in hidden[..h].iter().zip(&self.w) {
            for (o, &w) in output.iter_mut().zip(w_row) {
                *o = madd::<F, FMA>(w, y, *o);
            }
        }
        let value = if loss == Loss::Mse && O::LOGISTIC {
            let scale = F::one() / F::cast(d as f64);
            kernels::masked_mse_sigmoid::<F, FMA, N>(&mut output, x, &self.mask, scale)
        } else {
            // The padded logits are zero and stay out of the loss; their deltas stay zero.
            loss::output_delta::<F, O>(loss, &mut output[..d], &x[..d])
        };
        let delta = &output;

        // A copy of the settings: plain values the loops below can keep in registers.
        let sgd = *sgd;
        let (decay, nesterov) = (sgd.weight_decay != F::zero(), sgd.nesterov);
        for k in 0..h {
            let (w_row, v_row) = (&mut self.w[k], &mut self.velocity_w[k]);
            let delta_a1 = dot::<F, FMA, N>(w_row, delta) * A::derivative(hidden[k]);
            let (b1, v_b1) = (&mut self.b1[k], &mut self.velocity_b1[k]);
            sgd.update_element(b1, delta_a1, v_b1, false, nesterov);
            for j in 0..N {
                let g = madd::<F, FMA>(hidden[k], delta[j], delta_a1 * x[j]);
                sgd.update_element(&mut w_row[j], g, &mut v_row[j], decay, nesterov);
            }
        }
        for j in 0..N {
            let (b2, v_b2) = (&mut self.b2[j], &mut self.velocity_b2[j]);
            sgd.update_element(b2, delta[j], v_b2, false, nesterov);
        }
        value
    }
}

/// `Σ a_j b_j` over `N` (a multiple of [`BLOCK`]) terms: [`BLOCK`] partial sums, then a tree.
#[inline(always)]
fn dot<F: Float, const FMA: bool, const N: usize>(a: &[F; N], b: &[F; N]) -> F {
    let mut partial = [F::zero(); BLOCK];
    for (a, b) in a
        .as_chunks::<BLOCK>()
        .0
        .iter()
        .zip(b.as_chunks::<BLOCK>().0)
    {
        for lane in 0..BLOCK {
            partial[lane] = madd::<F, FMA>(a[lane], b[lane], partial[lane]);
        }
    }
    kernels::sum_tree(&partial)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid, Tanh};
    use crate::gradient::Layer;
    use crate::train::optimizer::MomentumState;
    use crate::workspace::Workspace;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Parameters, velocities and per-sample losses after `steps` online steps.
    struct Run<F> {
        params: Vec<F>,
        velocity: Vec<F>,
        losses: Vec<F>,
    }

    fn flat<F: Float>(w: &[F], b1: &[F], b2: &[F]) -> Vec<F> {
        w.iter().chain(b1).chain(b2).copied().collect()
    }

    fn random(rng: &mut ChaCha8Rng, n: usize, range: f64) -> Vec<f64> {
        (0..n).map(|_| rng.random_range(-range..range)).collect()
    }

    /// `order.len()` online steps through the padded path (one epoch per sample, so that every
    /// loss is seen) or the general one (the workspace's one-sample gradient, then
    /// `SgdMomentum::step`).
    fn run<F: Float, A: Activation, O: Activation>(
        padded: bool,
        (d, h): (usize, usize),
        init: &[F],
        (sgd, loss): (&SgdMomentum<F>, Loss),
        data: &[F],
        order: &[usize],
    ) -> Run<F> {
        let (mut w, rest) = (init[..h * d].to_vec(), &init[h * d..]);
        let (mut b1, mut b2) = (rest[..h].to_vec(), rest[h..].to_vec());
        let mut workspace = Workspace::new(d, h, 1);
        let mut grads = [Gradients::zeros(d, h)];
        let mut state = MomentumState::new(d, h).unwrap();
        let mut losses = Vec::new();
        for &row in order {
            let params = (&mut w[..], &mut b1[..], &mut b2[..]);
            let value = if padded {
                sgd_epoch::<F, A, O>(params, &mut state.velocity, sgd, loss, data, &[row])
                    .expect("finite")
            } else {
                workspace.load_rows(data, &[row]);
                let value = workspace.loss_and_gradient::<A, O>(
                    Layer::tied((&*params.0, &*params.1, &*params.2)),
                    1,
                    loss,
                    &mut grads,
                );
                sgd.step(params, &grads[0], &mut state).unwrap();
                value
            };
            losses.push(value);
        }
        let (vw, vb1, vb2) = state.velocity.slices();
        Run {
            params: flat(&w, &b1, &b2),
            velocity: flat(vw, vb1, vb2),
            losses,
        }
    }

    fn worst<F: Float>(a: &[F], b: &[F]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x.as_f64() - y.as_f64()).abs())
            .fold(0.0, f64::max)
    }

    /// Every shape the padded path takes, with each option of the update: the two paths agree
    /// to rounding after 12 steps (at a `rate` small enough that the steps do not amplify the
    /// rounding: an identity output takes large steps at 0.3). Tolerance: the paths differ only in the order of the dot
    /// products' sums (a few ulps of values below 10), so 1e-12 absolute in f64 and 2e-5 in f32
    /// (2^-23 · 10 · 12 steps ≈ 1.4e-5).
    fn agrees_for<F: Float, A: Activation, O: Activation>(loss: Loss, rate: f64, tolerance: f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let options = [(false, 0.0), (true, 0.0), (false, 1e-3), (true, 1e-3)];
        for d in 1..=MAX_INPUTS {
            for h in 1..=MAX_HIDDEN {
                let (nesterov, weight_decay) = options[(d + h) % options.len()];
                let sgd = SgdMomentum {
                    learning_rate: F::cast(rate),
                    momentum: F::cast(0.9),
                    nesterov,
                    weight_decay: F::cast(weight_decay),
                };
                let init: Vec<F> = random(&mut rng, h * d + h + d, 1.0)
                    .into_iter()
                    .map(F::cast)
                    .collect();
                let data: Vec<F> = random(&mut rng, 6 * d, 1.0)
                    .into_iter()
                    .map(|v| F::cast(0.5 + 0.5 * v))
                    .collect();
                let order = [3, 0, 5, 1, 1, 4, 2, 0, 5, 3, 2, 4];
                let a = run::<F, A, O>(false, (d, h), &init, (&sgd, loss), &data, &order);
                let b = run::<F, A, O>(true, (d, h), &init, (&sgd, loss), &data, &order);
                for (what, x, y) in [
                    ("params", &a.params, &b.params),
                    ("velocity", &a.velocity, &b.velocity),
                    ("losses", &a.losses, &b.losses),
                ] {
                    let error = worst(x, y);
                    assert!(error <= tolerance, "{d}-{h} {what}: {error:e}");
                }
                // The step moved the parameters (the comparison is not of two copies of init).
                assert!(worst(&init, &b.params) > 1e-3, "{d}-{h} did not train");
            }
        }
    }

    #[test]
    fn matches_the_general_path_f64() {
        agrees_for::<f64, Sigmoid, Sigmoid>(Loss::Mse, 0.3, 1e-12);
        agrees_for::<f64, Sigmoid, Sigmoid>(Loss::BinaryCrossEntropy, 0.3, 1e-12);
        agrees_for::<f64, Tanh, Identity>(Loss::Mse, 0.05, 1e-12);
    }

    #[test]
    fn matches_the_general_path_f32() {
        agrees_for::<f32, Sigmoid, Sigmoid>(Loss::Mse, 0.3, 2e-5);
        agrees_for::<f32, Tanh, Sigmoid>(Loss::BinaryCrossEntropy, 0.3, 2e-5);
    }

    /// A sample whose loss is not finite stops the epoch at its index and leaves everything as
    /// it was before the epoch.
    #[test]
    fn divergence_reports_the_sample_and_keeps_the_parameters() {
        let (d, h) = (3, 2);
        let mut w = vec![1e300_f64; h * d];
        let (mut b1, mut b2) = (vec![0.0; h], vec![0.0; d]);
        let mut velocity = Gradients::zeros(d, h);
        let sgd = SgdMomentum {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: false,
            weight_decay: 0.0,
        };
        let data = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let before = (w.clone(), b1.clone(), b2.clone());
        let result = sgd_epoch::<f64, Identity, Identity>(
            (&mut w, &mut b1, &mut b2),
            &mut velocity,
            &sgd,
            Loss::Mse,
            &data,
            &[0, 1],
        );
        assert_eq!(result, Err(1));
        assert_eq!((w, b1, b2), before);
        assert!(velocity.slices().0.iter().all(|&v| v == 0.0));
    }
}
