//! Activation functions: the `f` of `y = f(W x + b1)` and `z = f(Wᵀ y + b2)`.

use std::fmt::Debug;

use crate::float::Float;

/// An element-wise activation function, chosen at compile time (static dispatch).
///
/// Backpropagation asks for the derivative `f'(a)` at a pre-activation `a` whose output
/// `y = f(a)` is already known; every activation here expresses it through `y` alone
/// (`y (1 − y)` for the sigmoid), so the trainer keeps only the outputs.
///
/// Besides its formulas, an activation declares what the crate may assume of it: its output
/// [`RANGE`](Self::RANGE) (the sparsity penalty needs outputs in (0, 1)) and whether it is the
/// [`LOGISTIC`](Self::LOGISTIC) sigmoid (binary cross-entropy is computed from the logits of a
/// logistic output, and the crate's vectorised sigmoid kernels replace [`apply`](Self::apply)).
/// The defaults assume nothing.
///
/// # Examples
/// An activation of one's own, usable everywhere the built-in ones are:
/// ```
/// use autoencoder::{Activation, Float, TrainConfig, VanillaAutoencoder};
/// use ndarray::Array2;
///
/// /// `f(a) = a / (1 + |a|)`, with `f'(a) = (1 − |y|)²`.
/// #[derive(Debug, Default, Clone, Copy)]
/// struct Softsign;
///
/// impl Activation for Softsign {
///     const NAME: &'static str = "softsign";
///     fn apply<F: Float>(a: F) -> F {
///         a / (F::one() + a.abs())
///     }
///     fn derivative<F: Float>(y: F) -> F {
///         (F::one() - y.abs()).powi(2)
///     }
///     fn second_derivative<F: Float>(y: F) -> F {
///         let two = F::one() + F::one();
///         -two * y.signum() * (F::one() - y.abs()).powi(3)
///     }
/// }
///
/// let x = Array2::from_shape_fn((40, 4), |(i, j)| ((i + j) % 5) as f64 / 4.0);
/// let mut model = VanillaAutoencoder::<f64, Softsign>::new(4, 2, 1)?;
/// model.fit(&x, &TrainConfig::new().epochs(10))?;
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub trait Activation: Copy + Default + Debug + Send + Sync + Unpin + 'static {
    /// Lower-case name, as written in saved models and error messages.
    const NAME: &'static str;

    /// The interval the outputs lie in.
    const RANGE: OutputRange = OutputRange::Unbounded;

    /// Whether `f` is the logistic sigmoid `1 / (1 + e^(−a))`. Binary cross-entropy needs it
    /// (its loss and gradient are computed from the output logits), and it lets the crate run
    /// its own vectorised sigmoid kernels, fused with the MSE gradient, instead of
    /// [`apply`](Self::apply).
    const LOGISTIC: bool = false;

    /// Whether `f` is the hyperbolic tangent: the crate then runs its own vectorised kernel
    /// for whole layers instead of [`apply`](Self::apply) (equal to the standard library's
    /// `tanh` within a few units of the last place of 1).
    const TANH: bool = false;

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

/// The stable two-branch logistic sigmoid of `a`, given `e = exp(−|a|)`: the exponential of a
/// non-positive argument never overflows. [`Sigmoid`] takes `e` from the standard library's
/// exponential, the vectorised kernels (`kernels.rs`) from a branch-free one.
#[inline(always)]
pub(crate) fn logistic<F: Float>(a: F, e: F) -> F {
    let r = F::one() / (F::one() + e);
    if a >= F::zero() { r } else { e * r }
}

/// The interval an activation's outputs lie in ([`Activation::RANGE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputRange {
    /// Any real number (or no promise made).
    Unbounded,
    /// `[0, ∞)`.
    NonNegative,
    /// `(−1, 1)`.
    SignedUnit,
    /// `(0, 1)`: outputs usable as probabilities, such as mean activations for the sparsity
    /// penalty.
    Unit,
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
    const RANGE: OutputRange = OutputRange::Unit;
    const LOGISTIC: bool = true;

    #[inline(always)]
    fn apply<F: Float>(a: F) -> F {
        logistic(a, (-a.abs()).exp())
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
    const RANGE: OutputRange = OutputRange::SignedUnit;
    const TANH: bool = true;

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
    const RANGE: OutputRange = OutputRange::NonNegative;

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
    fn only_the_sigmoid_is_logistic_and_in_the_unit_interval() {
        const {
            assert!(Sigmoid::LOGISTIC && !Tanh::LOGISTIC && !Identity::LOGISTIC);
            assert!(!Relu::LOGISTIC);
        }
        assert_eq!(Sigmoid::RANGE, OutputRange::Unit);
        for (range, low, high) in [
            (Tanh::RANGE, -1.0, 1.0),
            (Relu::RANGE, 0.0, f64::INFINITY),
            (Sigmoid::RANGE, 0.0, 1.0),
        ] {
            for a in [-30.0, -1.0, 0.0, 1.0, 30.0] {
                let y = match range {
                    OutputRange::SignedUnit => Tanh::apply(a),
                    OutputRange::NonNegative => Relu::apply(a),
                    _ => Sigmoid::apply(a),
                };
                assert!((low..=high).contains(&y), "{range:?}: {y}");
            }
        }
    }
}
