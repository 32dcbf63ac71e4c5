//! Regularisers that act on the hidden layer (KL sparsity, contractive) and input corruption
//! for denoising.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::activation::Activation;
use crate::float::Float;
use crate::gradient::Gradients;
use crate::workspace::Workspace;

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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Contractive {
    /// Weight `λ`, finite and >= 0.
    pub lambda: f64,
}

/// Corruption of the inputs for a denoising autoencoder. The loss compares the reconstruction
/// of the corrupted input with the clean input; the noise is drawn anew for every batch of every
/// epoch from a generator seeded by the training seed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
                // An element is masked when the uniform draw `m·2⁻⁵³` from the top 53 bits `m`
                // of one `next_u64` output is below `fraction`, compared as integers:
                // m·2⁻⁵³ < fraction ⟺ m < ⌈fraction·2⁵³⌉ (both sides exact), without a
                // conversion and without a branch the random outcome mispredicts.
                let threshold = (fraction * UNIT_SCALE).ceil() as u64;
                // The outputs in blocks: `fill_bytes` gives the bytes of the same consecutive
                // `next_u64` outputs, little-endian.
                let mut bytes = [0u8; 8 * MASK_BLOCK];
                for block in inputs.chunks_mut(MASK_BLOCK) {
                    let bytes = &mut bytes[..8 * block.len()];
                    rng.fill_bytes(bytes);
                    for (v, draw) in block.iter_mut().zip(bytes.chunks_exact(8)) {
                        let draw = u64::from_le_bytes(draw.try_into().expect("8 bytes"));
                        let masked = (draw >> 11) < threshold;
                        *v = if masked { F::zero() } else { *v };
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

/// Masking draws generated at once.
const MASK_BLOCK: usize = 64;

/// 2⁵³: the number of uniform draws in [0, 1) that the top 53 bits of an output give.
const UNIT_SCALE: f64 = (1u64 << 53) as f64;

/// Adds `∂P/∂Y` of the sparsity penalty to the hidden delta (`∂L/∂Y` stage).
pub(crate) fn add_sparsity_gradient<F: Float>(
    sparsity: &Sparsity,
    workspace: &mut Workspace<F>,
    lanes: usize,
) {
    let (rho, beta) = (F::cast(sparsity.rho), F::cast(sparsity.beta));
    let inv_lanes = F::one() / F::cast(lanes as f64);
    let (hidden, delta) = workspace.hidden_delta_mut(lanes);
    for (y_row, d_row) in hidden
        .chunks_exact(lanes)
        .zip(delta.chunks_exact_mut(lanes))
    {
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
    for (j, (y_row, d_row)) in hidden
        .chunks_exact(lanes)
        .zip(delta.chunks_exact_mut(lanes))
        .enumerate()
    {
        let w_row = &w[j * n_inputs..(j + 1) * n_inputs];
        let row_norm = crate::linalg::dot(w_row, w_row);
        let mut mean_slope_sq = F::zero();
        for (d, &y) in d_row.iter_mut().zip(y_row) {
            let slope = A::derivative(y);
            mean_slope_sq += slope * slope;
            *d += lambda * inv_lanes * two * slope * A::second_derivative(y) * row_norm;
        }
        let scale = lambda * mean_slope_sq * inv_lanes * two;
        for (g, &wv) in grad_w[j * n_inputs..(j + 1) * n_inputs]
            .iter_mut()
            .zip(w_row)
        {
            *g += scale * wv;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Sigmoid, Tanh};
    use crate::gradient::Layer;
    use crate::loss::Loss;
    use crate::model::VanillaAutoencoder;
    use ndarray::{Array1, Array2, Axis};

    const STEP: f64 = 1e-5;
    const MAX_RELATIVE_ERROR: f64 = 1e-6;
    const FLOOR: f64 = 1e-8;

    struct Case {
        w: Array2<f64>,
        b1: Array1<f64>,
        b2: Array1<f64>,
        x: Array2<f64>,
    }

    fn case() -> Case {
        Case {
            w: Array2::from_shape_vec((2, 3), vec![0.4, -0.7, 0.25, -0.3, 0.55, 0.9]).unwrap(),
            b1: Array1::from(vec![0.1, -0.2]),
            b2: Array1::from(vec![-0.05, 0.3, 0.15]),
            x: Array2::from_shape_vec(
                (4, 3),
                vec![
                    0.1, 0.8, 0.35, 0.9, 0.2, 0.6, 0.45, 0.05, 0.7, 0.0, 1.0, 0.5,
                ],
            )
            .unwrap(),
        }
    }

    /// Reconstruction loss plus penalties, straight from the formulas in the docs.
    fn objective<A: Activation>(
        w: &Array2<f64>,
        b1: &Array1<f64>,
        b2: &Array1<f64>,
        x: &Array2<f64>,
        loss: Loss,
        sparsity: Option<Sparsity>,
        contractive: Option<Contractive>,
    ) -> f64 {
        let model =
            VanillaAutoencoder::<f64, A>::from_parts(w.clone(), b1.clone(), b2.clone()).unwrap();
        let mut total = model.loss(x, loss).unwrap();
        let y = model.encode(x).unwrap();
        if let Some(Sparsity { rho, beta }) = sparsity {
            let mean = y.mean_axis(Axis(0)).unwrap();
            total += beta
                * mean
                    .iter()
                    .map(|&r| rho * (rho / r).ln() + (1.0 - rho) * ((1.0 - rho) / (1.0 - r)).ln())
                    .sum::<f64>();
        }
        if let Some(Contractive { lambda }) = contractive {
            let row_norms = w.map_axis(Axis(1), |r| r.dot(&r));
            let slopes = y.mapv(|v| A::derivative(v).powi(2));
            total += lambda * slopes.dot(&row_norms).mean().unwrap();
        }
        total
    }

    /// Analytic gradient through the trainer's staged pass, then every entry against central
    /// differences of `objective`.
    fn worst_error<A: Activation>(
        loss: Loss,
        sparsity: Option<Sparsity>,
        contractive: Option<Contractive>,
    ) -> f64 {
        let Case { w, b1, b2, x } = case();
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let lanes = rows.len();
        let mut ws = Workspace::new(3, 2, lanes);
        let mut grads = Gradients::zeros(3, 2);
        ws.load_rows(x.as_slice().unwrap(), &rows);
        let p = (
            w.as_slice().unwrap(),
            b1.as_slice().unwrap(),
            b2.as_slice().unwrap(),
        );
        ws.forward::<A>(Layer::tied(p), lanes);
        ws.output_delta::<A>(loss, lanes);
        ws.backward_decoder(Layer::tied(p), lanes, std::slice::from_mut(&mut grads));
        if let Some(s) = &sparsity {
            add_sparsity_gradient(s, &mut ws, lanes);
        }
        ws.hidden_preactivation_delta::<A>(lanes);
        if let Some(c) = &contractive {
            add_contractive_gradient::<f64, A>(c, p.0, &mut ws, lanes, &mut grads);
        }
        ws.backward_encoder(lanes, &mut grads);

        let f = |w: &Array2<f64>, b1: &Array1<f64>, b2: &Array1<f64>| {
            objective::<A>(w, b1, b2, &x, loss, sparsity, contractive)
        };
        let rel = |a: f64, n: f64| (a - n).abs() / a.abs().max(n.abs()).max(FLOOR);
        let mut worst: f64 = 0.0;
        for idx in ndarray::indices(w.dim()) {
            let (mut wp, mut wm) = (w.clone(), w.clone());
            wp[idx] += STEP;
            wm[idx] -= STEP;
            worst = worst.max(rel(
                grads.w[idx],
                (f(&wp, &b1, &b2) - f(&wm, &b1, &b2)) / (2.0 * STEP),
            ));
        }
        for j in 0..2 {
            let (mut p, mut m) = (b1.clone(), b1.clone());
            p[j] += STEP;
            m[j] -= STEP;
            worst = worst.max(rel(
                grads.b1[j],
                (f(&w, &p, &b2) - f(&w, &m, &b2)) / (2.0 * STEP),
            ));
        }
        for i in 0..3 {
            let (mut p, mut m) = (b2.clone(), b2.clone());
            p[i] += STEP;
            m[i] -= STEP;
            worst = worst.max(rel(
                grads.b2[i],
                (f(&w, &b1, &p) - f(&w, &b1, &m)) / (2.0 * STEP),
            ));
        }
        worst
    }

    #[test]
    fn sparsity_gradient_matches_finite_differences() {
        let e = worst_error::<Sigmoid>(
            Loss::Mse,
            Some(Sparsity {
                rho: 0.05,
                beta: 0.3,
            }),
            None,
        );
        assert!(e <= MAX_RELATIVE_ERROR, "{e}");
    }

    #[test]
    fn contractive_gradient_matches_finite_differences() {
        let e = worst_error::<Sigmoid>(
            Loss::BinaryCrossEntropy,
            None,
            Some(Contractive { lambda: 0.7 }),
        );
        assert!(e <= MAX_RELATIVE_ERROR, "{e}");
        let e = worst_error::<Tanh>(Loss::Mse, None, Some(Contractive { lambda: 0.7 }));
        assert!(e <= MAX_RELATIVE_ERROR, "{e}");
    }

    #[test]
    fn both_penalties_together() {
        let e = worst_error::<Sigmoid>(
            Loss::Mse,
            Some(Sparsity {
                rho: 0.2,
                beta: 0.5,
            }),
            Some(Contractive { lambda: 0.3 }),
        );
        assert!(e <= MAX_RELATIVE_ERROR, "{e}");
    }

    #[test]
    fn masking_zeroes_about_the_fraction_and_is_reproducible() {
        use rand::SeedableRng;
        let corrupt = |seed| {
            let mut values = vec![1.0_f64; 10_000];
            Noise::Masking { fraction: 0.3 }
                .corrupt(&mut values, &mut ChaCha8Rng::seed_from_u64(seed));
            values
        };
        let a = corrupt(5);
        let zeroed = a.iter().filter(|&&v| v == 0.0).count();
        // Binomial(10000, 0.3): standard deviation 46; 5 of them is 230.
        assert!((2770..=3230).contains(&zeroed), "{zeroed}");
        assert_eq!(a, corrupt(5));
        assert_ne!(a, corrupt(6));
    }

    /// The masking's definition, one draw at a time: element masked when the uniform draw
    /// from the top 53 bits of the next output is below the fraction.
    fn masked_by_definition(values: &mut [f64], fraction: f64, rng: &mut ChaCha8Rng) {
        for v in values {
            let uniform = (rng.next_u64() >> 11) as f64 / UNIT_SCALE;
            if uniform < fraction {
                *v = 0.0;
            }
        }
    }

    #[test]
    fn masking_draws_follow_the_definition() {
        use rand::SeedableRng;
        // Thresholds at the ends, between representable draws, and common fractions; lengths
        // within a block, across blocks and with a tail, and calls that leave the generator
        // in the middle of its buffer (odd lengths) before the next one.
        let fractions = [
            0.0,
            1e-300,
            1.5 / UNIT_SCALE,
            0.1,
            0.3,
            0.5,
            0.999_999,
            1.0 - 1e-16,
        ];
        for fraction in fractions {
            for seed in 0..3 {
                let (mut rng, mut oracle) = (
                    ChaCha8Rng::seed_from_u64(seed),
                    ChaCha8Rng::seed_from_u64(seed),
                );
                for length in [0, 1, 7, 63, 64, 65, 200, 1_001] {
                    let mut values: Vec<f64> = (0..length).map(|i| i as f64 + 1.0).collect();
                    let mut expected = values.clone();
                    Noise::Masking { fraction }.corrupt(&mut values, &mut rng);
                    masked_by_definition(&mut expected, fraction, &mut oracle);
                    assert_eq!(values, expected, "fraction {fraction}, length {length}");
                }
                assert_eq!(
                    rng.next_u64(),
                    oracle.next_u64(),
                    "outputs used: {fraction}"
                );
            }
        }
    }

    #[test]
    fn gaussian_noise_has_the_requested_spread() {
        use rand::SeedableRng;
        let mut values = vec![0.0_f64; 20_000];
        Noise::Gaussian { std_dev: 0.5 }.corrupt(&mut values, &mut ChaCha8Rng::seed_from_u64(1));
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        // Standard errors: mean 0.0035, sd 0.0025; allow about five of each.
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((sd - 0.5).abs() < 0.015, "{sd}");
    }
}
