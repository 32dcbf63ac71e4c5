//! Reconstruction losses: their value and their gradient with respect to the output logits.

use crate::activation::Activation;
use crate::float::Float;
use crate::kernels;

/// The reconstruction loss that training minimises.
///
/// Both are means over **all** elements of a batch (PyTorch's `reduction = "mean"`): for a batch of
/// `B` rows and `n_inputs` columns, `m = B · n_inputs`.
///
/// # Formula
/// ```text
/// Mse                 L = (1/m) Σ (z − x)²
///                     ∂L/∂a2 = 2 (z − x) f'(a2) / m
/// BinaryCrossEntropy  L = (1/m) Σ softplus(a2) − x a2        (= −(x ln z + (1 − x) ln(1 − z)))
///                     ∂L/∂a2 = (z − x) / m                    (sigmoid output)
/// ```
/// Binary cross-entropy is computed from the logits `a2`, with
/// `softplus(a) = max(a, 0) + ln(1 + e^(−|a|))`, so it never takes `ln 0` and needs no clamping.
/// It needs a sigmoid output and targets in `[0, 1]`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Loss {
    /// Mean squared error.
    #[default]
    Mse,
    /// Binary cross-entropy of a sigmoid output.
    BinaryCrossEntropy,
}

/// Squared error of one output `z` against its target `x`, and its derivative with respect to
/// the logit, `2 (z − x) f'(a2)`, given the slope `f'(a2)`. The fused sigmoid kernels
/// (`kernels.rs`) call it too.
#[inline(always)]
pub(crate) fn mse_element<F: Float>(x: F, z: F, slope: F) -> (F, F) {
    let diff = z - x;
    (diff * diff, (diff + diff) * slope)
}

/// `ln(1 + e^a)` without overflow.
#[inline(always)]
pub(crate) fn softplus<F: Float>(a: F) -> F {
    a.max(F::zero()) + (-a.abs()).exp().ln_1p()
}

impl Loss {
    /// The loss of one element and `∂(loss)/∂a2` of it, before division by `m`.
    ///
    /// `a2` is the output logit, `z = f(a2)` the output, `x` the target.
    #[inline(always)]
    pub(crate) fn element<F: Float, O: Activation>(self, x: F, a2: F, z: F) -> (F, F) {
        match self {
            Loss::Mse => mse_element(x, z, O::derivative(z)),
            Loss::BinaryCrossEntropy => (softplus(a2) - x * a2, z - x),
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::BinaryCrossEntropy => "bce",
        }
    }
}

/// Turns a buffer of output logits into `∂L/∂a2` in place and returns the mean loss.
///
/// `logits` and `targets` have the same length `m`; the mean is over all `m` elements.
#[inline(always)]
pub(crate) fn output_delta<F: Float, O: Activation>(
    loss: Loss,
    logits: &mut [F],
    targets: &[F],
) -> F {
    let scale = F::one() / F::cast(logits.len() as f64);
    output_delta_scaled::<F, O>(loss, logits, targets, scale)
}

/// As [`output_delta`] for a share of a larger batch: the sum of the losses and the gradients
/// are multiplied by `scale`, one over the number of elements in the whole batch.
#[inline(always)]
pub(crate) fn output_delta_scaled<F: Float, O: Activation>(
    loss: Loss,
    logits: &mut [F],
    targets: &[F],
    scale: F,
) -> F {
    debug_assert_eq!(logits.len(), targets.len());
    if loss == Loss::Mse && O::LOGISTIC {
        return kernels::mse_sigmoid_delta(logits, targets, scale);
    }
    summed_output_delta::<F, O>(loss, logits, targets, scale)
}

/// The general case of [`output_delta_scaled`]. Not inlined: the online path's per-sample
/// step, which takes the fused kernel for the sigmoid, stays as small as it was.
///
/// The loss is matched once, outside the loop: with the match inside, the cross-entropy's
/// `exp` and `ln_1p` calls kept the squared error's loop scalar as well.
#[inline(never)]
fn summed_output_delta<F: Float, O: Activation>(
    loss: Loss,
    logits: &mut [F],
    targets: &[F],
    scale: F,
) -> F {
    match loss {
        Loss::Mse => summed_by_lane::<F, O>(logits, targets, scale, |x, a2, z| {
            Loss::Mse.element::<F, O>(x, a2, z)
        }),
        Loss::BinaryCrossEntropy => summed_by_lane::<F, O>(logits, targets, scale, |x, a2, z| {
            Loss::BinaryCrossEntropy.element::<F, O>(x, a2, z)
        }),
    }
}

/// [`summed_output_delta`] for one loss, `loss_element(x, a2, z)` giving an element's loss and
/// gradient: in fixed blocks with one partial sum per lane, so that the loop vectorises.
#[inline(always)]
fn summed_by_lane<F: Float, O: Activation>(
    logits: &mut [F],
    targets: &[F],
    scale: F,
    loss_element: impl Fn(F, F, F) -> (F, F),
) -> F {
    // Everything moves into the closure, and each block goes through a function with the
    // blocks as separate arguments: with references captured, the compiler could not tell
    // the logits from `scale` and the sums, read them again after every store, and kept the
    // loop scalar.
    kernels::vectorized(
        #[inline(always)]
        move || {
            let element = |a2: F, x: F| {
                let (value, grad) = loss_element(x, a2, O::apply(a2));
                (value, grad * scale)
            };
            let mut sums = [F::zero(); kernels::BLOCK];
            let (blocks, tail) = logits.as_chunks_mut::<{ kernels::BLOCK }>();
            let (target_blocks, target_tail) = targets.as_chunks::<{ kernels::BLOCK }>();
            for (a2, x) in blocks.iter_mut().zip(target_blocks) {
                block_by_lane(a2, x, &mut sums, &element);
            }
            let mut tail_sum = F::zero();
            for (a2, &x) in tail.iter_mut().zip(target_tail) {
                let value;
                (value, *a2) = element(*a2, x);
                tail_sum += value;
            }
            (kernels::sum_tree(&sums) + tail_sum) * scale
        },
    )
}

/// One block of [`summed_by_lane`]: `element(a2, x)` gives each element's loss, added to its
/// lane's sum, and its scaled gradient, which replaces the logit.
#[inline(always)]
fn block_by_lane<F: Float>(
    a2: &mut [F; kernels::BLOCK],
    x: &[F; kernels::BLOCK],
    sums: &mut [F; kernels::BLOCK],
    element: &impl Fn(F, F) -> (F, F),
) {
    for k in 0..kernels::BLOCK {
        let value;
        (value, a2[k]) = element(a2[k], x[k]);
        sums[k] += value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Identity, Sigmoid};
    use approx::assert_abs_diff_eq;

    #[test]
    fn mse_on_hand_computed_values() {
        // z = a2 for the identity: errors 0.5 and -1.0, mean of squares (0.25 + 1) / 2.
        let mut logits = [1.0_f64, 0.0];
        let loss = output_delta::<f64, Identity>(Loss::Mse, &mut logits, &[0.5, 1.0]);
        assert_abs_diff_eq!(loss, 0.625, epsilon = 1e-15);
        assert_abs_diff_eq!(logits[0], 2.0 * 0.5 / 2.0, epsilon = 1e-15);
        assert_abs_diff_eq!(logits[1], -2.0 / 2.0, epsilon = 1e-15);
    }

    #[test]
    fn bce_matches_the_log_form() {
        let (x, a2) = (0.3_f64, 0.8);
        let z = Sigmoid::apply(a2);
        let (value, grad) = Loss::BinaryCrossEntropy.element::<f64, Sigmoid>(x, a2, z);
        assert_abs_diff_eq!(
            value,
            -(x * z.ln() + (1.0 - x) * (1.0 - z).ln()),
            epsilon = 1e-15
        );
        assert_abs_diff_eq!(grad, z - x, epsilon = 1e-15);
    }

    #[test]
    fn bce_is_finite_for_saturated_outputs() {
        let z = Sigmoid::apply(-800.0_f64);
        let (value, _) = Loss::BinaryCrossEntropy.element::<f64, Sigmoid>(1.0, -800.0, z);
        assert_abs_diff_eq!(value, 800.0, epsilon = 1e-12);
    }

    /// Every length (whole blocks and a tail), both losses, three outputs: each gradient is
    /// the element formula's, bit for bit, and the loss is the mean of the element losses.
    fn deltas_follow_the_element_formula<O: Activation>(loss: Loss) {
        for n in 0..=40 {
            let logits: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 2.0).collect();
            let targets: Vec<f64> = (0..n)
                .map(|i| (i as f64 * 0.11).cos() * 0.5 + 0.5)
                .collect();
            let mut deltas = logits.clone();
            let mean = output_delta::<f64, O>(loss, &mut deltas, &targets);
            let scale = 1.0 / n as f64;
            let mut total = 0.0;
            for ((&a2, &x), &delta) in logits.iter().zip(&targets).zip(&deltas) {
                let (value, grad) = loss.element::<f64, O>(x, a2, O::apply(a2));
                assert_eq!(
                    delta.to_bits(),
                    (grad * scale).to_bits(),
                    "{loss:?}, n = {n}"
                );
                total += value;
            }
            if n > 0 {
                assert_abs_diff_eq!(mean, total * scale, epsilon = 1e-14 * total.abs().max(1.0));
            }
        }
    }

    #[test]
    fn deltas_follow_the_element_formula_for_every_length() {
        use crate::activation::Tanh;
        deltas_follow_the_element_formula::<Identity>(Loss::Mse);
        deltas_follow_the_element_formula::<Tanh>(Loss::Mse);
        deltas_follow_the_element_formula::<Sigmoid>(Loss::BinaryCrossEntropy);
    }

    #[test]
    fn softplus_is_stable() {
        assert_abs_diff_eq!(softplus(0.0_f64), 2.0_f64.ln(), epsilon = 1e-16);
        assert_abs_diff_eq!(softplus(1000.0_f64), 1000.0, epsilon = 0.0);
        assert_abs_diff_eq!(softplus(-1000.0_f64), 0.0, epsilon = 0.0);
    }
}
