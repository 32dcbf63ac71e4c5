//! Activation functions: the `f` of `y = f(W x + b1)` and `z = f(Wᵀ y + b2)`.

use std::fmt::Debug;

use crate::Float;

/// An element-wise activation function, chosen at compile time (static dispatch).
///
/// Backpropagation asks for the derivative `f'(a)` at a pre-activation `a` whose output
/// `y = f(a)` is already known; every activation here expresses it through `y` alone
/// (`y (1 − y)` for the sigmoid), so the trainer keeps only the outputs.
pub trait Activation: Copy + Default + Debug + Send + Sync + Unpin + 'static {
    /// Lower-case name, as written in saved models and error messages.
    const NAME: &'static str;

    /// `f(a)`.
    fn apply<F: Float>(a: F) -> F;

    /// `f'(a)`, given `y = f(a)`.
    fn derivative<F: Float>(y: F) -> F;

    /// `f''(a)`, given `y = f(a)` (the contractive penalty's gradient needs it).
    fn second_derivative<F: Float>(y: F) -> F;

    /// Applies `f` to every element of `values` in place.
    #[inline]
    fn apply_in_place<F: Float>(values: &mut [F]) {
        for v in values {
            *v = Self::apply(*v);
        }
    }
}

/// The logistic sigmoid `σ(a) = 1 / (1 + e^(−a))`, the classic default.
///
/// # Formula
/// ```text
/// σ(a)  = 1 / (1 + e^(−a))        a ≥ 0
/// σ(a)  = e^a / (1 + e^a)         a < 0    (no overflow of e^(−a))
/// σ'(a) = y (1 − y)               y = σ(a)
/// ```
///
/// # Examples
/// ```
/// use autoencoder::{Activation, Sigmoid};
/// assert_eq!(Sigmoid::apply(0.0_f64), 0.5);
/// assert!(Sigmoid::apply(-800.0_f64) >= 0.0);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sigmoid;

impl Activation for Sigmoid {
    const NAME: &'static str = "sigmoid";

    #[inline(always)]
    fn apply<F: Float>(a: F) -> F {
        // One exponential of a non-positive argument: it never overflows.
        let e = (-a.abs()).exp();
        let r = F::one() / (F::one() + e);
        if a >= F::zero() { r } else { e * r }
    }

    #[inline(always)]
    fn derivative<F: Float>(y: F) -> F {
        y * (F::one() - y)
    }

    #[inline(always)]
    fn second_derivative<F: Float>(y: F) -> F {
        y * (F::one() - y) * (F::one() - (y + y))
    }
}

/// The hyperbolic tangent, with outputs in (−1, 1).
///
/// # Formula
/// ```text
/// f(a) = tanh(a)        f'(a) = 1 − y²
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tanh;

impl Activation for Tanh {
    const NAME: &'static str = "tanh";

    #[inline(always)]
    fn apply<F: Float>(a: F) -> F {
        a.tanh()
    }

    #[inline(always)]
    fn derivative<F: Float>(y: F) -> F {
        F::one() - y * y
    }

    #[inline(always)]
    fn second_derivative<F: Float>(y: F) -> F {
        let two = F::one() + F::one();
        -two * y * (F::one() - y * y)
    }
}

/// The identity: a linear layer.
///
/// # Formula
/// ```text
/// f(a) = a        f'(a) = 1
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity;

impl Activation for Identity {
    const NAME: &'static str = "identity";

    #[inline(always)]
    fn apply<F: Float>(a: F) -> F {
        a
    }

    #[inline(always)]
    fn derivative<F: Float>(_y: F) -> F {
        F::one()
    }

    #[inline(always)]
    fn second_derivative<F: Float>(_y: F) -> F {
        F::zero()
    }

    #[inline]
    fn apply_in_place<F: Float>(_values: &mut [F]) {}
}

/// The rectified linear unit.
///
/// # Formula
/// ```text
/// f(a) = max(a, 0)        f'(a) = 1 if y > 0, else 0 (the subgradient 0 at a = 0)
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Relu;

impl Activation for Relu {
    const NAME: &'static str = "relu";

    #[inline(always)]
    fn apply<F: Float>(a: F) -> F {
        if a > F::zero() { a } else { F::zero() }
    }

    #[inline(always)]
    fn derivative<F: Float>(y: F) -> F {
        if y > F::zero() { F::one() } else { F::zero() }
    }

    #[inline(always)]
    fn second_derivative<F: Float>(_y: F) -> F {
        F::zero()
    }
}

/// Whether `A` is the sigmoid (binary cross-entropy needs a sigmoid output).
pub(crate) fn is_sigmoid<A: Activation>() -> bool {
    std::any::TypeId::of::<A>() == std::any::TypeId::of::<Sigmoid>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn sigmoid_at_zero_is_one_half() {
        assert_abs_diff_eq!(Sigmoid::apply(0.0_f64), 0.5, epsilon = 0.0);
        assert_abs_diff_eq!(Sigmoid::apply(0.0_f32), 0.5, epsilon = 0.0);
    }

    #[test]
    fn sigmoid_saturates_without_overflow() {
        assert_abs_diff_eq!(Sigmoid::apply(1000.0_f64), 1.0, epsilon = 0.0);
        assert_abs_diff_eq!(Sigmoid::apply(-1000.0_f64), 0.0, epsilon = 0.0);
        assert!(Sigmoid::apply(-30.0_f64) > 0.0);
        assert!(Sigmoid::apply(-100.0_f32).is_finite());
    }

    #[test]
    fn sigmoid_is_symmetric() {
        for &a in &[0.1_f64, 0.7, 2.5, 11.0, 40.0] {
            assert_abs_diff_eq!(Sigmoid::apply(-a), 1.0 - Sigmoid::apply(a), epsilon = 1e-15);
        }
    }

    #[test]
    fn sigmoid_matches_its_definition() {
        for &a in &[-5.0_f64, -0.3, 0.0, 0.3, 5.0] {
            assert_abs_diff_eq!(Sigmoid::apply(a), 1.0 / (1.0 + (-a).exp()), epsilon = 1e-16);
        }
    }

    fn check_derivative<A: Activation>(points: &[f64]) {
        let h = 1e-6;
        for &a in points {
            let numeric = (A::apply(a + h) - A::apply(a - h)) / (2.0 * h);
            assert_abs_diff_eq!(A::derivative(A::apply(a)), numeric, epsilon = 1e-9);
            let numeric2 =
                (A::derivative(A::apply(a + h)) - A::derivative(A::apply(a - h))) / (2.0 * h);
            assert_abs_diff_eq!(A::second_derivative(A::apply(a)), numeric2, epsilon = 1e-8);
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let points = [-3.0, -0.5, 0.25, 1.5, 4.0];
        check_derivative::<Sigmoid>(&points);
        check_derivative::<Tanh>(&points);
        check_derivative::<Identity>(&points);
        check_derivative::<Relu>(&points);
    }

    #[test]
    fn relu_clips_negative_inputs() {
        assert_abs_diff_eq!(Relu::apply(-2.0_f64), 0.0, epsilon = 0.0);
        assert_abs_diff_eq!(Relu::apply(2.0_f64), 2.0, epsilon = 0.0);
        assert_abs_diff_eq!(Relu::derivative(0.0_f64), 0.0, epsilon = 0.0);
    }

    #[test]
    fn only_the_sigmoid_is_the_sigmoid() {
        assert!(is_sigmoid::<Sigmoid>());
        assert!(!is_sigmoid::<Tanh>());
        assert!(!is_sigmoid::<Identity>());
    }
}
