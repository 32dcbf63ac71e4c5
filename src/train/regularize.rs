//! Regularisers that act on the hidden layer (KL sparsity, contractive) and input corruption
//! for denoising.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::gradient::{Gradients, Workspace};
use crate::{Activation, Float};

/// KL sparsity penalty on the mean activation of each hidden unit (UFLDL's sparse autoencoder).
///
/// # Formula
/// ```text
/// ρ̂_j = mean over the batch's rows of Y_bj
/// P   = β Σ_j [ρ ln(ρ / ρ̂_j) + (1 − ρ) ln((1 − ρ) / (1 − ρ̂_j))]
/// ∂P/∂Y_bj = (β / B) (−ρ / ρ̂_j + (1 − ρ) / (1 − ρ̂_j))
/// ```
/// It needs hidden outputs in (0, 1): a sigmoid encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sparsity {
    /// Target mean activation `ρ`, in (0, 1).
    pub rho: f64,
    /// Weight `β`, finite and >= 0.
    pub beta: f64,
}

/// Contractive penalty: the squared Frobenius norm of the encoder's Jacobian `∂y/∂x`.
///
/// # Formula
/// ```text
/// P = λ · mean_b Σ_j f'(A1_bj)² Σ_i W_ji²
/// ∂P/∂W_ji  (direct)  = λ · mean_b f'(A1_bj)² · 2 W_ji
/// ∂P/∂A1_bj           = (λ / B) · 2 f'(A1_bj) f''(A1_bj) Σ_i W_ji²
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contractive {
    /// Weight `λ`, finite and >= 0.
    pub lambda: f64,
}

/// Corruption of the inputs for a denoising autoencoder. The loss compares the reconstruction
/// of the corrupted input with the clean input; the noise is drawn anew for every batch of every
/// epoch from a generator seeded by the training seed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Noise {
    /// No corruption.
    #[default]
    None,
    /// Each input element is set to zero with probability `fraction`, in [0, 1).
    Masking {
        /// Probability of zeroing an element.
        fraction: f64,
    },
    /// Each input element gets independent Gaussian noise of standard deviation `std_dev`.
    Gaussian {
        /// Standard deviation, finite and >= 0.
        std_dev: f64,
    },
}

impl Noise {
    pub(crate) fn is_active(&self) -> bool {
        !matches!(self, Noise::None)
    }

    /// Corrupts `inputs` in place.
    pub(crate) fn corrupt<F: Float>(&self, inputs: &mut [F], rng: &mut ChaCha8Rng) {
        match *self {
            Noise::None => {}
            Noise::Masking { fraction } => {
                for v in inputs {
                    if unit_uniform(rng) < fraction {
                        *v = F::zero();
                    }
                }
            }
            Noise::Gaussian { std_dev } => {
                for v in inputs {
                    let z: f64 = StandardNormal.sample(rng);
                    *v += F::cast(std_dev * z);
                }
            }
        }
    }
}

/// A uniform draw in [0, 1) from the top 53 bits of one output.
fn unit_uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Adds `∂P/∂Y` of the sparsity penalty to the hidden delta (`∂L/∂Y` stage).
pub(crate) fn add_sparsity_gradient<F: Float>(
    sparsity: &Sparsity,
    workspace: &mut Workspace<F>,
    lanes: usize,
) {
    let (rho, beta) = (F::cast(sparsity.rho), F::cast(sparsity.beta));
    let inv_lanes = F::one() / F::cast(lanes as f64);
    let (hidden, delta) = workspace.hidden_delta_mut(lanes);
    for (y_row, d_row) in hidden.chunks_exact(lanes).zip(delta.chunks_exact_mut(lanes)) {
        let mean = crate::linalg::sum(y_row) * inv_lanes;
        let g = beta * inv_lanes * (-rho / mean + (F::one() - rho) / (F::one() - mean));
        for d in d_row {
            *d += g;
        }
    }
}

/// Adds the contractive penalty's gradient: through `A1` into the hidden delta (`∂L/∂A1`
/// stage) and directly into `grad_w`.
pub(crate) fn add_contractive_gradient<F: Float, A: Activation>(
    contractive: &Contractive,
    w: &[F],
    workspace: &mut Workspace<F>,
    lanes: usize,
    grads: &mut Gradients<F>,
) {
    let lambda = F::cast(contractive.lambda);
    let inv_lanes = F::one() / F::cast(lanes as f64);
    let two = F::one() + F::one();
    let n_inputs = w.len() / grads.b1.len();
    let (hidden, delta) = workspace.hidden_delta_mut(lanes);
    let (grad_w, _, _) = grads.slices_mut();
    for (j, (y_row, d_row)) in hidden.chunks_exact(lanes).zip(delta.chunks_exact_mut(lanes)).enumerate() {
        let w_row = &w[j * n_inputs..(j + 1) * n_inputs];
        let row_norm = crate::linalg::dot(w_row, w_row);
        let mut mean_slope_sq = F::zero();
        for (d, &y) in d_row.iter_mut().zip(y_row) {
            let slope = A::derivative(y);
            mean_slope_sq += slope * slope;
            *d += lambda * inv_lanes * two * slope * A::second_derivative(y) * row_norm;
        }
        let scale = lambda * mean_slope_sq * inv_lanes * two;
        for (g, &wv) in grad_w[j * n_inputs..(j + 1) * n_inputs].iter_mut().zip(w_row) {
            *g += scale * wv;
        }
    }
}
