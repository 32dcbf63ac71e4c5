//! Optimisers: SGD with momentum and Adam, each as settings, a state and a step
//! ([`UpdateRule`]).

use ndarray::{Array1, Array2, CowArray, Dimension};

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients, LayerSlicesMut, ParamSlices, slice_mut};
use crate::kernels;
use crate::train::config::{Optimizer, ValidTrainConfig};

/// An optimiser in three parts: its settings (the implementing type, made from the config for
/// each epoch by the trainer, which sets the learning rate), its state for one parameter block,
/// and the step that updates a block from its gradients with that state. The trainer is
/// generic over it; adding an optimiser means implementing it, a variant of [`Optimizer`] for
/// the config to name it (and `trainer::settings` to read it), and one of [`LevelOptimizer`]
/// for checkpoints to store its state.
pub(crate) trait UpdateRule<F: Float>: Sized + Sync {
    /// What the rule carries from one step to the next for one parameter block.
    type State: Into<LevelOptimizer<F>> + Send;

    /// A fresh state for a block of `shape`, or [`Error::AllocationFailed`].
    fn new_state(shape: BlockShape) -> Result<Self::State>;

    /// This rule's state in a stored one, or `None` when another optimiser made it.
    fn stored_state(stored: LevelOptimizer<F>) -> Option<Self::State>;

    /// One update of a block's parameters from its gradients (shapes checked by the caller).
    fn step(
        &self,
        params: LayerSlicesMut<'_, F>,
        grads: ParamSlices<'_, F>,
        state: &mut Self::State,
    );

    /// The SGD settings and velocities, when the rule is SGD: the online fast path fuses its
    /// step with the gradient.
    fn as_sgd<'a>(
        &'a self,
        _states: &'a mut [Self::State],
    ) -> Option<(&'a SgdMomentum<F>, &'a mut [MomentumState<F>])> {
        None
    }
}

/// The optimiser state of one parameter block as a checkpoint stores it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum LevelOptimizer<F> {
    Sgd(MomentumState<F>),
    Adam(AdamState<F>),
}

impl<F: Float> LevelOptimizer<F> {
    /// Whether this state belongs to `optimizer`.
    pub(crate) fn is_for(&self, optimizer: Optimizer) -> bool {
        matches!(
            (self, optimizer),
            (Self::Sgd(_), Optimizer::Sgd) | (Self::Adam(_), Optimizer::Adam { .. })
        )
    }

    /// A fresh state of `config`'s optimiser for a block of `shape`.
    pub(crate) fn new(config: &ValidTrainConfig, shape: BlockShape) -> Result<Self> {
        Ok(match config.optimizer() {
            Optimizer::Sgd => SgdMomentum::<F>::new_state(shape)?.into(),
            Optimizer::Adam { .. } => Adam::<F>::new_state(shape)?.into(),
        })
    }
}

impl<F> From<MomentumState<F>> for LevelOptimizer<F> {
    fn from(state: MomentumState<F>) -> Self {
        Self::Sgd(state)
    }
}

impl<F> From<AdamState<F>> for LevelOptimizer<F> {
    fn from(state: AdamState<F>) -> Self {
        Self::Adam(state)
    }
}

impl<F: Float> UpdateRule<F> for SgdMomentum<F> {
    type State = MomentumState<F>;

    fn new_state(shape: BlockShape) -> Result<MomentumState<F>> {
        MomentumState::try_shaped(shape)
    }

    fn stored_state(stored: LevelOptimizer<F>) -> Option<MomentumState<F>> {
        match stored {
            LevelOptimizer::Sgd(state) => Some(state),
            LevelOptimizer::Adam(_) => None,
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

impl<F: Float> UpdateRule<F> for Adam<F> {
    type State = AdamState<F>;

    fn new_state(shape: BlockShape) -> Result<AdamState<F>> {
        AdamState::try_shaped(shape)
    }

    fn stored_state(stored: LevelOptimizer<F>) -> Option<AdamState<F>> {
        match stored {
            LevelOptimizer::Adam(state) => Some(state),
            LevelOptimizer::Sgd(_) => None,
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
        let decay_on = decay != F::zero();
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(first).zip(second) {
            let g = if decay_on { g + decay * *p } else { g };
            *m = b1 * *m + (F::one() - b1) * g;
            *v = b2 * *v + (F::one() - b2) * g * g;
            *p -= self.learning_rate * (*m / correction1)
                / ((*v / correction2).sqrt() + self.epsilon);
        }
    }
}

/// Checks the shapes of a step's parameters and gradients against the state's `W` shape
/// `(n_hidden, n_inputs)`, then runs `step` on the gradients as row-major slices (copied into
/// standard layout if they are in another one; the crate's own never are).
fn checked_step<F: Float>(
    params: (&mut [F], &mut [F], &mut [F]),
    grads: &Gradients<F>,
    (h, d): (usize, usize),
    step: impl FnOnce((&mut [F], &mut [F], &mut [F]), ParamSlices<'_, F>),
) -> Result<()> {
    let mismatch = |array, expected: &[usize], found: &[usize]| {
        (expected != found).then(|| Error::StepShapeMismatch {
            array,
            expected: expected.to_vec(),
            found: found.to_vec(),
        })
    };
    let checks = [
        mismatch("gradient W", &[h, d], grads.w.shape()),
        mismatch("gradient b1", &[h], grads.b1.shape()),
        mismatch("gradient b2", &[d], grads.b2.shape()),
        // The state exists, so `h · d` does not overflow.
        mismatch("parameter W", &[h * d], &[params.0.len()]),
        mismatch("parameter b1", &[h], &[params.1.len()]),
        mismatch("parameter b2", &[d], &[params.2.len()]),
    ];
    if let Some(error) = checks.into_iter().flatten().next() {
        return Err(error);
    }
    let (gw, gb1, gb2) = (
        grads.w.as_standard_layout(),
        grads.b1.as_standard_layout(),
        grads.b2.as_standard_layout(),
    );
    step(
        params,
        (contiguous(&gw), contiguous(&gb1), contiguous(&gb2)),
    );
    Ok(())
}

fn contiguous<'a, F, D: Dimension>(a: &'a CowArray<'_, F, D>) -> &'a [F] {
    // `as_standard_layout` gives contiguous arrays.
    a.as_slice().expect("standard layout is contiguous")
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
