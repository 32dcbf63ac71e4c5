//! Adam, in PyTorch's form.

use super::{LevelOptimizer, UpdateRule, checked_step};
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients, LayerSlicesMut, ParamSlices, slice_mut};
use crate::kernels;

/// Adam settings, in PyTorch's form (L2 weight decay added to the gradient of `W`).
///
/// # Formula
/// ```text
/// g ← g + λ θ                  (weight decay, on W only)
/// m ← β1 m + (1 − β1) g        v ← β2 v + (1 − β2) g²        t = step count from 1
/// θ ← θ − η (m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + ε)
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Adam<F> {
    /// Step size `η`.
    pub learning_rate: F,
    /// Decay of the first moment, `β1`.
    pub beta1: F,
    /// Decay of the second moment, `β2`.
    pub beta2: F,
    /// `ε` in the denominator.
    pub epsilon: F,
    /// L2 penalty `λ` on `W`.
    pub weight_decay: F,
}

/// The moments and step count of [`Adam`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdamState<F> {
    pub(crate) first: Gradients<F>,
    pub(crate) second: Gradients<F>,
    steps: u64,
}

impl<F: Float> AdamState<F> {
    /// Zero moments for a model with `n_inputs` inputs and `n_hidden` hidden units.
    ///
    /// # Errors
    /// [`Error::AllocationFailed`] when twice `n_inputs · n_hidden` values cannot be allocated.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::AdamState;
    /// let state = AdamState::<f64>::new(9, 5)?;
    /// assert_eq!((state.first_moment().w.dim(), state.steps()), ((5, 9), 0));
    /// assert!(AdamState::<f64>::new(1 << 40, 1 << 40).is_err());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn new(n_inputs: usize, n_hidden: usize) -> Result<Self> {
        Self::try_shaped(BlockShape::layer(n_inputs, n_hidden))
    }

    /// Zero moments for a parameter block of `shape`.
    pub(crate) fn try_shaped(shape: BlockShape) -> Result<Self> {
        const WHAT: &str = "optimiser state";
        Ok(Self {
            first: Gradients::try_shaped(shape, WHAT)?,
            second: Gradients::try_shaped(shape, WHAT)?,
            steps: 0,
        })
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// First moments `m` of `W`, `b1`, `b2`.
    pub fn first_moment(&self) -> &Gradients<F> {
        &self.first
    }

    /// Second moments `v` of `W`, `b1`, `b2`.
    pub fn second_moment(&self) -> &Gradients<F> {
        &self.second
    }
}

impl<F: Float> Adam<F> {
    /// One update of `W`, `b1`, `b2` (as row-major slices) from their gradients, which may be
    /// in any memory order.
    ///
    /// # Errors
    /// [`Error::StepShapeMismatch`] unless the gradients have the state's shapes and the
    /// slices their lengths (`n_hidden · n_inputs`, `n_hidden`, `n_inputs`); nothing changes
    /// then, not even the step count.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Adam, AdamState, Gradients, VanillaAutoencoder};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((8, 3), |(i, j)| ((i + j) % 2) as f64);
    /// let model = VanillaAutoencoder::<f64>::new(3, 2, 0)?;
    /// let (_, grads) = model.loss_and_gradient(&x, autoencoder::Loss::Mse)?;
    /// let (mut w, mut b1, mut b2) = model.into_parts();
    /// let adam = Adam { learning_rate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.0 };
    /// let mut state = AdamState::new(3, 2)?;
    /// let params = (w.as_slice_mut().unwrap(), b1.as_slice_mut().unwrap(), b2.as_slice_mut().unwrap());
    /// adam.step(params, &grads, &mut state)?;
    /// assert_eq!(state.steps(), 1);
    ///
    /// let other = Gradients { w: Array2::zeros((3, 2)), ..grads };
    /// let params = (w.as_slice_mut().unwrap(), b1.as_slice_mut().unwrap(), b2.as_slice_mut().unwrap());
    /// assert!(adam.step(params, &other, &mut state).is_err());
    /// assert_eq!(state.steps(), 1);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn step(
        &self,
        params: (&mut [F], &mut [F], &mut [F]),
        grads: &Gradients<F>,
        state: &mut AdamState<F>,
    ) -> Result<()> {
        let shape = state.first.w.dim();
        checked_step(params, grads, shape, |p, g| self.step_slices(p, g, state))
    }

    /// [`step`](Self::step) on gradients as row-major slices whose shapes the caller checked.
    pub(crate) fn step_slices(
        &self,
        (w, b1, b2): (&mut [F], &mut [F], &mut [F]),
        (gw, gb1, gb2): ParamSlices<'_, F>,
        state: &mut AdamState<F>,
    ) {
        // Saturates rather than overflows: `t` below is capped at i32::MAX anyway.
        state.steps = state.steps.saturating_add(1);
        let t = i32::try_from(state.steps).unwrap_or(i32::MAX);
        let correction1 = F::one() - self.beta1.powi(t);
        let correction2 = F::one() - self.beta2.powi(t);
        let (m, v) = (&mut state.first, &mut state.second);
        let corrections = (correction1, correction2);
        self.update(
            w,
            gw,
            slice_mut(m.w.as_slice_mut()),
            slice_mut(v.w.as_slice_mut()),
            corrections,
            self.weight_decay,
        );
        self.update(
            b1,
            gb1,
            slice_mut(m.b1.as_slice_mut()),
            slice_mut(v.b1.as_slice_mut()),
            corrections,
            F::zero(),
        );
        self.update(
            b2,
            gb2,
            slice_mut(m.b2.as_slice_mut()),
            slice_mut(v.b2.as_slice_mut()),
            corrections,
            F::zero(),
        );
    }

    #[inline]
    fn update(
        &self,
        params: &mut [F],
        grads: &[F],
        first: &mut [F],
        second: &mut [F],
        (correction1, correction2): (F, F),
        decay: F,
    ) {
        let (b1, b2) = (self.beta1, self.beta2);
        let (learning_rate, epsilon) = (self.learning_rate, self.epsilon);
        let decay_on = decay != F::zero();
        // Bound by the divisions and square roots: the widest vectors the CPU has (the same
        // operations in the same order, so the same bits). Every value moves into the closure,
        // so that LLVM sees the slices do not alias the settings.
        kernels::vectorized(
            #[inline(always)]
            move || {
                for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(first).zip(second) {
                    let g = if decay_on { g + decay * *p } else { g };
                    *m = b1 * *m + (F::one() - b1) * g;
                    *v = b2 * *v + (F::one() - b2) * g * g;
                    *p -=
                        learning_rate * (*m / correction1) / ((*v / correction2).sqrt() + epsilon);
                }
            },
        );
    }
}

impl<F: Float> UpdateRule<F> for Adam<F> {
    type State = AdamState<F>;

    fn new_state(shape: BlockShape) -> Result<AdamState<F>> {
        AdamState::try_shaped(shape)
    }

    fn stored_state(stored: LevelOptimizer<F>) -> Option<AdamState<F>> {
        match stored {
            LevelOptimizer::Adam(state) => Some(state),
            LevelOptimizer::Sgd(_) | LevelOptimizer::Lbfgs(_) => None,
        }
    }

    #[inline]
    fn step(
        &self,
        params: LayerSlicesMut<'_, F>,
        grads: ParamSlices<'_, F>,
        state: &mut AdamState<F>,
    ) {
        self.step_slices(params, grads, state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// Two Adam steps on one scalar, by hand: η = 0.1, β1 = 0.9, β2 = 0.999, g = 2, then −1
    /// (ε = 1e-20: negligible here, but it keeps 0 / 0 out of the untouched W).
    /// Step 1: m = 0.2, v = 0.004, m̂ = 2, v̂ = 4, θ = 1 − 0.1 · 2 / 2 = 0.9.
    /// Step 2: m = 0.08, v = 0.004996, m̂ = 0.08 / 0.19, v̂ = 0.004996 / 0.001999.
    #[test]
    fn adam_matches_hand_computed_steps() {
        let adam = Adam {
            learning_rate: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-20,
            weight_decay: 0.0,
        };
        let mut state = AdamState::<f64>::new(1, 1).unwrap();
        let (mut w, mut b1, mut b2) = ([0.0], [0.0], [1.0]);
        let mut grads = Gradients::zeros(1, 1);
        grads.b2[0] = 2.0;
        adam.step((&mut w, &mut b1, &mut b2), &grads, &mut state)
            .unwrap();
        assert_abs_diff_eq!(b2[0], 0.9, epsilon = 1e-15);
        grads.b2[0] = -1.0;
        adam.step((&mut w, &mut b1, &mut b2), &grads, &mut state)
            .unwrap();
        let expected = 0.9 - 0.1 * (0.08 / 0.19) / (0.004996_f64 / 0.001999).sqrt();
        assert_abs_diff_eq!(b2[0], expected, epsilon = 1e-14);
        assert_eq!(state.steps(), 2);
        assert_abs_diff_eq!(w[0], 0.0, epsilon = 0.0);
    }
}
