//! SGD with momentum (classical or Nesterov), in PyTorch's form.

use ndarray::{Array1, Array2};

use super::{LevelOptimizer, UpdateRule, checked_step};
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients, LayerSlicesMut, ParamSlices, slice_mut};
use crate::kernels;

/// SGD-with-momentum settings, in PyTorch's form.
///
/// # Formula
/// ```text
/// g ← g + λ θ                  (weight decay, on W only)
/// v ← μ v + g                  (v starts at zero)
/// θ ← θ − η v                  classical
/// θ ← θ − η (g + μ v)          Nesterov, with the new v
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SgdMomentum<F> {
    /// Step size `η`.
    pub learning_rate: F,
    /// Momentum `μ`.
    pub momentum: F,
    /// Nesterov's variant.
    pub nesterov: bool,
    /// L2 penalty `λ` on `W`.
    pub weight_decay: F,
}

/// The velocities of [`SgdMomentum`], shaped like `W`, `b1` and `b2`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MomentumState<F> {
    pub(crate) velocity: Gradients<F>,
}

impl<F: Float> MomentumState<F> {
    /// Zero velocities for a model with `n_inputs` inputs and `n_hidden` hidden units.
    ///
    /// # Errors
    /// [`Error::AllocationFailed`] when `n_inputs · n_hidden` values cannot be allocated.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::MomentumState;
    /// let state = MomentumState::<f32>::new(9, 5)?;
    /// assert_eq!(state.velocity_w().dim(), (5, 9));
    /// assert!(MomentumState::<f32>::new(usize::MAX, 2).is_err());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn new(n_inputs: usize, n_hidden: usize) -> Result<Self> {
        Self::try_shaped(BlockShape::layer(n_inputs, n_hidden))
    }

    /// Zero velocities for a parameter block of `shape`.
    pub(crate) fn try_shaped(shape: BlockShape) -> Result<Self> {
        Ok(Self {
            velocity: Gradients::try_shaped(shape, "optimiser state")?,
        })
    }

    /// Velocity of `W`, `[n_hidden, n_inputs]`.
    pub fn velocity_w(&self) -> &Array2<F> {
        &self.velocity.w
    }

    /// Velocity of `b1`.
    pub fn velocity_b1(&self) -> &Array1<F> {
        &self.velocity.b1
    }

    /// Velocity of `b2`.
    pub fn velocity_b2(&self) -> &Array1<F> {
        &self.velocity.b2
    }

    /// Sets every velocity to zero.
    pub fn reset(&mut self) {
        self.velocity.w.fill(F::zero());
        self.velocity.b1.fill(F::zero());
        self.velocity.b2.fill(F::zero());
    }
}

impl<F: Float> SgdMomentum<F> {
    /// One update of `W`, `b1`, `b2` (as row-major slices) from their gradients, which may be
    /// in any memory order.
    ///
    /// # Errors
    /// [`Error::StepShapeMismatch`] unless the gradients have the state's shapes and the
    /// slices their lengths (`n_hidden · n_inputs`, `n_hidden`, `n_inputs`); nothing changes then.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{MomentumState, SgdMomentum, VanillaAutoencoder};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((8, 3), |(i, j)| ((i + j) % 2) as f64);
    /// let model = VanillaAutoencoder::<f64>::new(3, 2, 0)?;
    /// let (_, grads) = model.loss_and_gradient(&x, autoencoder::Loss::Mse)?;
    /// let (mut w, mut b1, mut b2) = model.into_parts();
    /// let sgd = SgdMomentum { learning_rate: 0.1, momentum: 0.9, nesterov: false, weight_decay: 0.0 };
    /// let mut state = MomentumState::new(3, 2)?;
    /// let params = (w.as_slice_mut().unwrap(), b1.as_slice_mut().unwrap(), b2.as_slice_mut().unwrap());
    /// sgd.step(params, &grads, &mut state)?;
    /// assert_eq!(state.velocity_w(), &grads.w);
    ///
    /// let mut short = [0.0; 1];
    /// let params = (w.as_slice_mut().unwrap(), &mut short[..], b2.as_slice_mut().unwrap());
    /// assert!(sgd.step(params, &grads, &mut state).is_err());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn step(
        &self,
        params: (&mut [F], &mut [F], &mut [F]),
        grads: &Gradients<F>,
        state: &mut MomentumState<F>,
    ) -> Result<()> {
        let shape = state.velocity.w.dim();
        checked_step(params, grads, shape, |p, g| self.step_slices(p, g, state))
    }

    /// [`step`](Self::step) on gradients as row-major slices whose shapes the caller checked.
    pub(crate) fn step_slices(
        &self,
        (w, b1, b2): (&mut [F], &mut [F], &mut [F]),
        (gw, gb1, gb2): ParamSlices<'_, F>,
        state: &mut MomentumState<F>,
    ) {
        let v = &mut state.velocity;
        let (vw, vb1, vb2) = (
            slice_mut(v.w.as_slice_mut()),
            slice_mut(v.b1.as_slice_mut()),
            slice_mut(v.b2.as_slice_mut()),
        );
        #[cfg(feature = "threading")]
        if w.len() >= PARALLEL_STEP_MIN {
            // Large layers: `W` in chunks on the current rayon pool (element-wise, so the
            // result does not depend on the split), then the biases.
            use rayon::iter::{IndexedParallelIterator, ParallelIterator};
            use rayon::slice::{ParallelSlice, ParallelSliceMut};
            w.par_chunks_mut(PARALLEL_STEP_CHUNK)
                .zip(gw.par_chunks(PARALLEL_STEP_CHUNK))
                .zip(vw.par_chunks_mut(PARALLEL_STEP_CHUNK))
                .for_each(|((w, gw), vw)| self.step_weights(w, gw, vw));
            let no_weights = (&mut [][..], &[][..], &mut [][..]);
            let arrays = [no_weights, (b1, gb1, vb1), (b2, gb2, vb2)];
            return self.step_arrays(arrays);
        }
        self.step_arrays([(w, gw, vw), (b1, gb1, vb1), (b2, gb2, vb2)]);
    }

    /// [`update_all`](Self::update_all) for `W` only.
    #[cfg(feature = "threading")]
    fn step_weights(&self, w: &mut [F], gw: &[F], vw: &mut [F]) {
        self.step_arrays([
            (w, gw, vw),
            (&mut [], &[], &mut []),
            (&mut [], &[], &mut []),
        ]);
    }

    /// Updates `W`, `b1`, `b2` as `(parameters, gradients, velocities)`.
    fn step_arrays(&self, arrays: [(&mut [F], &[F], &mut [F]); 3]) {
        // One dispatch for the three arrays, and loops without branches, which vectorise.
        kernels::vectorized(
            #[inline(always)]
            || match (self.weight_decay != F::zero(), self.nesterov) {
                (false, false) => self.update_all::<false, false>(arrays),
                (false, true) => self.update_all::<false, true>(arrays),
                (true, false) => self.update_all::<true, false>(arrays),
                (true, true) => self.update_all::<true, true>(arrays),
            },
        );
    }

    /// Updates `W` (with weight decay when `DECAY`), then `b1` and `b2`.
    #[inline(always)]
    fn update_all<const DECAY: bool, const NESTEROV: bool>(
        &self,
        [w, b1, b2]: [(&mut [F], &[F], &mut [F]); 3],
    ) {
        self.update::<DECAY, NESTEROV>(w.0, w.1, w.2);
        self.update::<false, NESTEROV>(b1.0, b1.1, b1.2);
        self.update::<false, NESTEROV>(b2.0, b2.1, b2.2);
    }

    #[inline(always)]
    fn update<const DECAY: bool, const NESTEROV: bool>(
        &self,
        params: &mut [F],
        grads: &[F],
        velocity: &mut [F],
    ) {
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity) {
            self.update_element(p, g, v, DECAY, NESTEROV);
        }
    }

    /// The update of one parameter `p` with gradient `g` and velocity `v`, with weight decay
    /// when `decay` and Nesterov's variant when `nesterov` (the caller passes constants or
    /// loop-invariant values; either way the loops around it stay branch-free).
    #[inline(always)]
    pub(crate) fn update_element(&self, p: &mut F, g: F, v: &mut F, decay: bool, nesterov: bool) {
        let g = if decay { g + self.weight_decay * *p } else { g };
        *v = self.momentum * *v + g;
        let direction = if nesterov { g + self.momentum * *v } else { *v };
        *p -= self.learning_rate * direction;
    }
}

/// With the `threading` feature, weight matrices of at least this many elements are stepped in
/// chunks of [`PARALLEL_STEP_CHUNK`] on the current rayon pool.
#[cfg(feature = "threading")]
const PARALLEL_STEP_MIN: usize = 1 << 16;
#[cfg(feature = "threading")]
const PARALLEL_STEP_CHUNK: usize = 1 << 14;

impl<F: Float> UpdateRule<F> for SgdMomentum<F> {
    type State = MomentumState<F>;

    fn new_state(shape: BlockShape) -> Result<MomentumState<F>> {
        MomentumState::try_shaped(shape)
    }

    fn stored_state(stored: LevelOptimizer<F>) -> Option<MomentumState<F>> {
        match stored {
            LevelOptimizer::Sgd(state) => Some(state),
            LevelOptimizer::Adam(_) | LevelOptimizer::Lbfgs(_) => None,
        }
    }

    #[inline]
    fn step(
        &self,
        params: LayerSlicesMut<'_, F>,
        grads: ParamSlices<'_, F>,
        state: &mut MomentumState<F>,
    ) {
        self.step_slices(params, grads, state);
    }

    fn as_sgd<'a>(
        &'a self,
        states: &'a mut [MomentumState<F>],
    ) -> Option<(&'a SgdMomentum<F>, &'a mut [MomentumState<F>])> {
        Some((self, states))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// Three steps on one scalar parameter (`b2` of a 1-1 model), computed by hand:
    /// θ0 = 1, η = 0.1, μ = 0.9, gradients 1.0, 0.5, -2.0.
    ///   classical: v = 1.0, 1.4, -0.74      θ = 0.9, 0.76, 0.834
    ///   Nesterov:  v as above; step g + μ v = 1.9, 1.76, -2.666   θ = 0.81, 0.634, 0.9006
    #[test]
    fn momentum_trajectory_matches_hand_computed_table() {
        let table = [(false, [0.9, 0.76, 0.834]), (true, [0.81, 0.634, 0.9006])];
        for (nesterov, expected) in table {
            let opt = SgdMomentum {
                learning_rate: 0.1,
                momentum: 0.9,
                nesterov,
                weight_decay: 0.0,
            };
            let mut state = MomentumState::<f64>::new(1, 1).unwrap();
            let (mut w, mut b1, mut b2) = ([0.0], [0.0], [1.0]);
            for (&g, &theta) in [1.0, 0.5, -2.0].iter().zip(&expected) {
                let mut grads = Gradients::zeros(1, 1);
                grads.b2[0] = g;
                opt.step((&mut w, &mut b1, &mut b2), &grads, &mut state)
                    .unwrap();
                assert_abs_diff_eq!(b2[0], theta, epsilon = 1e-12);
            }
            assert_abs_diff_eq!(state.velocity_b2()[0], -0.74, epsilon = 1e-12);
        }
    }

    /// A layer large enough for the chunked step of the `threading` feature (one thread pool
    /// or none): every element follows the formula exactly, with weight decay on `W` only.
    #[test]
    fn large_layer_step_matches_the_formula_element_by_element() {
        let (d, h) = (700, 100);
        let opt = SgdMomentum {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 0.01,
        };
        let value = |i: usize| ((i * 37) % 101) as f64 / 50.0 - 1.0;
        let mut grads = Gradients::<f64>::zeros(d, h);
        let mut state = MomentumState::<f64>::new(d, h).unwrap();
        grads
            .w
            .iter_mut()
            .enumerate()
            .for_each(|(i, g)| *g = value(i));
        state
            .velocity
            .w
            .iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = value(i + 3));
        let w0: Vec<f64> = (0..d * h).map(|i| value(i + 7)).collect();
        let (mut w, mut b1, mut b2) = (w0.clone(), vec![1.0; h], vec![1.0; d]);
        let v0 = state.velocity.w.clone();
        opt.step((&mut w, &mut b1, &mut b2), &grads, &mut state)
            .unwrap();
        for (i, ((&w, &w0), (&v, &v0))) in w
            .iter()
            .zip(&w0)
            .zip(state.velocity.w.iter().zip(&v0))
            .enumerate()
        {
            let g = grads.w.as_slice().unwrap()[i] + 0.01 * w0;
            let v_new = 0.9 * v0 + g;
            assert_eq!(v.to_bits(), v_new.to_bits(), "velocity {i}");
            assert_eq!(
                w.to_bits(),
                (w0 - 0.1 * (g + 0.9 * v_new)).to_bits(),
                "weight {i}"
            );
        }
        assert!(
            b1.iter()
                .chain(&b2)
                .all(|&b| b.to_bits() == 1.0_f64.to_bits())
        );
    }

    /// Weight decay adds λ θ to W's gradient only: θ = 2, λ = 0.5, g = 0, η = 0.1, μ = 0
    /// gives θ = 2 − 0.1 · 1 = 1.9 for W while the biases stay put.
    #[test]
    fn weight_decay_acts_on_w_only() {
        let opt = SgdMomentum {
            learning_rate: 0.1,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.5,
        };
        let mut state = MomentumState::<f64>::new(1, 1).unwrap();
        let (mut w, mut b1, mut b2) = ([2.0], [2.0], [2.0]);
        opt.step(
            (&mut w, &mut b1, &mut b2),
            &Gradients::zeros(1, 1),
            &mut state,
        )
        .unwrap();
        assert_abs_diff_eq!(w[0], 1.9, epsilon = 1e-15);
        assert_abs_diff_eq!(b1[0], 2.0, epsilon = 0.0);
        assert_abs_diff_eq!(b2[0], 2.0, epsilon = 0.0);
    }
}
