//! An activation defined outside the crate, through the public `Activation` trait only: it
//! trains in the tied and the untied model, its gradients pass the finite-difference check, and
//! its declared capabilities decide which options it gets.

use autoencoder::{
    Activation, Error, Float, Loss, OutputRange, TrainConfig, UntiedAutoencoder, VanillaAutoencoder,
};
use ndarray::{Array1, Array2};

/// `f(a) = a / (1 + |a|)`: `f'(a) = (1 − |y|)²`, `f''(a) = −2 sign(y) (1 − |y|)³`.
#[derive(Debug, Default, Clone, Copy)]
struct Softsign;

impl Activation for Softsign {
    const NAME: &'static str = "softsign";
    const RANGE: OutputRange = OutputRange::SignedUnit;

    fn apply<F: Float>(a: F) -> F {
        a / (F::one() + a.abs())
    }
    fn derivative<F: Float>(y: F) -> F {
        (F::one() - y.abs()).powi(2)
    }
    fn second_derivative<F: Float>(y: F) -> F {
        let two = F::one() + F::one();
        -two * y.signum() * (F::one() - y.abs()).powi(3)
    }
}

/// `f(a) = (1 + tanh(a)) / 2`, in (0, 1) but not declared logistic: `f' = 2 y (1 − y)`.
#[derive(Debug, Default, Clone, Copy)]
struct HalfTanh;

impl Activation for HalfTanh {
    const NAME: &'static str = "half-tanh";
    const RANGE: OutputRange = OutputRange::Unit;

    fn apply<F: Float>(a: F) -> F {
        let half = F::one() / (F::one() + F::one());
        half + half * a.tanh()
    }
    fn derivative<F: Float>(y: F) -> F {
        (y + y) * (F::one() - y)
    }
    fn second_derivative<F: Float>(y: F) -> F {
        let two = F::one() + F::one();
        let d = two * y * (F::one() - y);
        d * two * (F::one() - y - y)
    }
}

const STEP: f64 = 1e-5;
/// Relative error bound of the check; central differences are good to ~1e-10 here.
const MAX_RELATIVE_ERROR: f64 = 1e-6;

fn data() -> Array2<f64> {
    Array2::from_shape_fn((6, 4), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 6.0)
}

fn relative(a: f64, n: f64) -> f64 {
    (a - n).abs() / a.abs().max(n.abs()).max(1e-8)
}

/// Worst relative error of the tied model's gradient (`W`, `b1`, `b2`) with activations `A`, `O`.
fn tied_worst<A: Activation, O: Activation>() -> f64 {
    let x = data();
    let w = Array2::from_shape_fn((3, 4), |(i, j)| 0.3 * ((i * 4 + j) as f64 * 0.7).sin());
    let (b1, b2) = (
        Array1::from(vec![0.1, -0.2, 0.05]),
        Array1::from(vec![0.2; 4]),
    );
    let model = |w: &Array2<f64>, b1: &Array1<f64>, b2: &Array1<f64>| {
        VanillaAutoencoder::<f64, A, O>::from_parts(w.clone(), b1.clone(), b2.clone()).unwrap()
    };
    let (_, grads) = model(&w, &b1, &b2)
        .loss_and_gradient(&x, Loss::Mse)
        .unwrap();
    let loss = |w: &Array2<f64>, b1: &Array1<f64>, b2: &Array1<f64>| {
        model(w, b1, b2).loss(&x, Loss::Mse).unwrap()
    };
    let mut worst = 0.0_f64;
    for (k, &g) in grads.w.iter().enumerate() {
        let (mut plus, mut minus) = (w.clone(), w.clone());
        plus.as_slice_mut().unwrap()[k] += STEP;
        minus.as_slice_mut().unwrap()[k] -= STEP;
        let numeric = (loss(&plus, &b1, &b2) - loss(&minus, &b1, &b2)) / (2.0 * STEP);
        worst = worst.max(relative(g, numeric));
    }
    for (k, &g) in grads.b1.iter().enumerate() {
        let (mut plus, mut minus) = (b1.clone(), b1.clone());
        plus[k] += STEP;
        minus[k] -= STEP;
        let numeric = (loss(&w, &plus, &b2) - loss(&w, &minus, &b2)) / (2.0 * STEP);
        worst = worst.max(relative(g, numeric));
    }
    for (k, &g) in grads.b2.iter().enumerate() {
        let (mut plus, mut minus) = (b2.clone(), b2.clone());
        plus[k] += STEP;
        minus[k] -= STEP;
        let numeric = (loss(&w, &b1, &plus) - loss(&w, &b1, &minus)) / (2.0 * STEP);
        worst = worst.max(relative(g, numeric));
    }
    worst
}

/// Worst relative error of the untied model's decoder gradient `∂L/∂V`.
fn untied_decoder_worst<A: Activation, O: Activation>() -> f64 {
    let x = data();
    let w = Array2::from_shape_fn((3, 4), |(i, j)| 0.3 * ((i * 4 + j) as f64 * 0.7).sin());
    let v = Array2::from_shape_fn((4, 3), |(i, j)| 0.4 * ((i * 3 + j) as f64 * 1.3).cos());
    let (b1, b2) = (
        Array1::from(vec![0.1, -0.2, 0.05]),
        Array1::from(vec![0.2; 4]),
    );
    let model = |v: &Array2<f64>| {
        UntiedAutoencoder::<f64, A, O>::from_parts(w.clone(), v.clone(), b1.clone(), b2.clone())
            .unwrap()
    };
    let (_, _, decoder) = model(&v).loss_and_gradient(&x, Loss::Mse).unwrap();
    let mut worst = 0.0_f64;
    for (k, &g) in decoder.w.iter().enumerate() {
        let (mut plus, mut minus) = (v.clone(), v.clone());
        plus.as_slice_mut().unwrap()[k] += STEP;
        minus.as_slice_mut().unwrap()[k] -= STEP;
        let at = |v: &Array2<f64>| model(v).loss(&x, Loss::Mse).unwrap();
        worst = worst.max(relative(g, (at(&plus) - at(&minus)) / (2.0 * STEP)));
    }
    worst
}

#[test]
fn a_new_activation_passes_the_gradient_check() {
    for (name, e) in [
        ("softsign", tied_worst::<Softsign, Softsign>()),
        ("half-tanh", tied_worst::<HalfTanh, HalfTanh>()),
        (
            "softsign, half-tanh output",
            tied_worst::<Softsign, HalfTanh>(),
        ),
        (
            "untied softsign V",
            untied_decoder_worst::<Softsign, Softsign>(),
        ),
    ] {
        println!("{name}: worst relative error {e:.2e}");
        assert!(e <= MAX_RELATIVE_ERROR, "{name}: {e}");
    }
}

#[test]
fn a_new_activation_trains_tied_and_untied() {
    let x = Array2::from_shape_fn((100, 6), |(i, j)| ((i * 7 + j * 2) % 9) as f64 / 8.0);
    let config = TrainConfig::new()
        .epochs(60)
        .learning_rate(0.2)
        .momentum(0.9);
    let mut tied = VanillaAutoencoder::<f64, Softsign>::new(6, 3, 4).unwrap();
    let losses = tied.fit(&x, &config).unwrap().epoch_losses().to_vec();
    assert!(losses[59] < 0.5 * losses[0], "{losses:?}");
    let mut untied = UntiedAutoencoder::<f64, Softsign>::new(6, 3, 4).unwrap();
    let losses = untied.fit(&x, &config).unwrap().epoch_losses().to_vec();
    assert!(losses[59] < 0.5 * losses[0], "{losses:?}");
}

#[test]
fn declared_capabilities_decide_the_options() {
    let x = Array2::from_shape_fn((30, 4), |(i, j)| ((i + j) % 5) as f64 / 4.0);
    // Outputs in (0, 1): the sparsity penalty applies.
    let mut unit = VanillaAutoencoder::<f64, HalfTanh>::new(4, 2, 0).unwrap();
    unit.fit(&x, &TrainConfig::new().epochs(3).sparsity(0.2, 0.5))
        .unwrap();
    // Not declared logistic: binary cross-entropy (computed from logits) is refused.
    assert!(matches!(
        unit.fit(&x, &TrainConfig::new().loss(Loss::BinaryCrossEntropy)),
        Err(Error::BceNeedsSigmoid {
            activation: "half-tanh"
        })
    ));
    // Outputs in (−1, 1): no sparsity penalty.
    let mut signed = UntiedAutoencoder::<f64, Softsign>::new(4, 2, 0).unwrap();
    assert!(matches!(
        signed.fit(&x, &TrainConfig::new().sparsity(0.2, 0.5)),
        Err(Error::SparsityNeedsSigmoid {
            activation: "softsign"
        })
    ));
}
