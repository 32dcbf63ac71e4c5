//! Stochastic gradient descent with momentum: settings, the update rule and the velocity state.

use ndarray::{Array1, Array2};

use crate::Float;
use crate::gradient::{Gradients, slice_mut};

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
pub struct MomentumState<F> {
    velocity: Gradients<F>,
}

impl<F: Float> MomentumState<F> {
    /// Zero velocities for a model with `n_inputs` inputs and `n_hidden` hidden units.
    pub fn new(n_inputs: usize, n_hidden: usize) -> Self {
        Self { velocity: Gradients::zeros(n_inputs, n_hidden) }
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
    /// One update of `W`, `b1`, `b2` (as row-major slices) from their gradients.
    pub fn step(
        &self,
        (w, b1, b2): (&mut [F], &mut [F], &mut [F]),
        grads: &Gradients<F>,
        state: &mut MomentumState<F>,
    ) {
        let v = &mut state.velocity;
        self.update(w, grad_slice(&grads.w), slice_mut(v.w.as_slice_mut()), self.weight_decay);
        self.update(b1, grad_slice(&grads.b1), slice_mut(v.b1.as_slice_mut()), F::zero());
        self.update(b2, grad_slice(&grads.b2), slice_mut(v.b2.as_slice_mut()), F::zero());
    }

    #[inline]
    fn update(&self, params: &mut [F], grads: &[F], velocity: &mut [F], decay: F) {
        let (lr, mu) = (self.learning_rate, self.momentum);
        let decay_on = decay != F::zero();
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity) {
            let g = if decay_on { g + decay * *p } else { g };
            *v = mu * *v + g;
            let direction = if self.nesterov { g + mu * *v } else { *v };
            *p -= lr * direction;
        }
    }
}

fn grad_slice<F, D: ndarray::Dimension>(a: &ndarray::Array<F, D>) -> &[F] {
    // Gradients are allocated by the crate in standard layout.
    a.as_slice().expect("crate-owned arrays are contiguous")
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
        let table = [
            (false, [0.9, 0.76, 0.834]),
            (true, [0.81, 0.634, 0.9006]),
        ];
        for (nesterov, expected) in table {
            let opt = SgdMomentum { learning_rate: 0.1, momentum: 0.9, nesterov, weight_decay: 0.0 };
            let mut state = MomentumState::<f64>::new(1, 1);
            let (mut w, mut b1, mut b2) = ([0.0], [0.0], [1.0]);
            for (&g, &theta) in [1.0, 0.5, -2.0].iter().zip(&expected) {
                let mut grads = Gradients::zeros(1, 1);
                grads.b2[0] = g;
                opt.step((&mut w, &mut b1, &mut b2), &grads, &mut state);
                assert_abs_diff_eq!(b2[0], theta, epsilon = 1e-12);
            }
            assert_abs_diff_eq!(state.velocity_b2()[0], -0.74, epsilon = 1e-12);
        }
    }

    /// Weight decay adds λ θ to W's gradient only: θ = 2, λ = 0.5, g = 0, η = 0.1, μ = 0
    /// gives θ = 2 − 0.1 · 1 = 1.9 for W while the biases stay put.
    #[test]
    fn weight_decay_acts_on_w_only() {
        let opt = SgdMomentum { learning_rate: 0.1, momentum: 0.0, nesterov: false, weight_decay: 0.5 };
        let mut state = MomentumState::<f64>::new(1, 1);
        let (mut w, mut b1, mut b2) = ([2.0], [2.0], [2.0]);
        opt.step((&mut w, &mut b1, &mut b2), &Gradients::zeros(1, 1), &mut state);
        assert_abs_diff_eq!(w[0], 1.9, epsilon = 1e-15);
        assert_abs_diff_eq!(b1[0], 2.0, epsilon = 0.0);
        assert_abs_diff_eq!(b2[0], 2.0, epsilon = 0.0);
    }
}
