//! Backpropagation against central finite differences, for every activation × loss pair.

use autoencoder::{Activation, Identity, Loss, Relu, Sigmoid, Tanh, VanillaAutoencoder};
use ndarray::{Array1, Array2};

/// Largest accepted relative error `|analytic − numeric| / max(|analytic|, |numeric|, FLOOR)`.
const MAX_RELATIVE_ERROR: f64 = 1e-6;
/// Gradients smaller than this are compared absolutely: their relative error is all round-off.
const FLOOR: f64 = 1e-8;
/// Central-difference step: truncation error ~STEP² (1e-10), round-off ~1e-16 / STEP (1e-11).
const STEP: f64 = 1e-5;

/// A tiny model (3 inputs, 2 hidden units) and 4 samples in (0, 1).
fn setup() -> (Array2<f64>, Array1<f64>, Array1<f64>, Array2<f64>) {
    let w = Array2::from_shape_vec((2, 3), vec![0.4, -0.7, 0.25, -0.3, 0.55, 0.9]).unwrap();
    let b1 = Array1::from(vec![0.1, -0.2]);
    let b2 = Array1::from(vec![-0.05, 0.3, 0.15]);
    let x = Array2::from_shape_vec(
        (4, 3),
        vec![
            0.1, 0.8, 0.35, 0.9, 0.2, 0.6, 0.45, 0.05, 0.7, 0.0, 1.0, 0.5,
        ],
    )
    .unwrap();
    (w, b1, b2, x)
}

fn loss_at<A: Activation>(
    w: &Array2<f64>,
    b1: &Array1<f64>,
    b2: &Array1<f64>,
    x: &Array2<f64>,
    loss: Loss,
) -> f64 {
    VanillaAutoencoder::<f64, A>::from_parts(w.clone(), b1.clone(), b2.clone())
        .unwrap()
        .loss(x, loss)
        .unwrap()
}

fn relative_error(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(FLOOR)
}

/// Returns the worst relative error over every entry of W, b1 and b2.
fn worst_error<A: Activation>(loss: Loss) -> f64 {
    let (w, b1, b2, x) = setup();
    let model =
        VanillaAutoencoder::<f64, A>::from_parts(w.clone(), b1.clone(), b2.clone()).unwrap();
    let (_, grads) = model.loss_and_gradient(&x, loss).unwrap();
    let mut worst: f64 = 0.0;
    let central = |plus: f64, minus: f64| (plus - minus) / (2.0 * STEP);

    for idx in ndarray::indices(w.dim()) {
        let (mut wp, mut wm) = (w.clone(), w.clone());
        wp[idx] += STEP;
        wm[idx] -= STEP;
        let numeric = central(
            loss_at::<A>(&wp, &b1, &b2, &x, loss),
            loss_at::<A>(&wm, &b1, &b2, &x, loss),
        );
        worst = worst.max(relative_error(grads.w[idx], numeric));
    }
    for j in 0..b1.len() {
        let (mut bp, mut bm) = (b1.clone(), b1.clone());
        bp[j] += STEP;
        bm[j] -= STEP;
        let numeric = central(
            loss_at::<A>(&w, &bp, &b2, &x, loss),
            loss_at::<A>(&w, &bm, &b2, &x, loss),
        );
        worst = worst.max(relative_error(grads.b1[j], numeric));
    }
    for i in 0..b2.len() {
        let (mut bp, mut bm) = (b2.clone(), b2.clone());
        bp[i] += STEP;
        bm[i] -= STEP;
        let numeric = central(
            loss_at::<A>(&w, &b1, &bp, &x, loss),
            loss_at::<A>(&w, &b1, &bm, &x, loss),
        );
        worst = worst.max(relative_error(grads.b2[i], numeric));
    }
    worst
}

#[test]
fn sigmoid_mse() {
    let e = worst_error::<Sigmoid>(Loss::Mse);
    println!("sigmoid/mse worst relative error {e:e}");
    assert!(e <= MAX_RELATIVE_ERROR, "{e}");
}

#[test]
fn sigmoid_bce() {
    let e = worst_error::<Sigmoid>(Loss::BinaryCrossEntropy);
    println!("sigmoid/bce worst relative error {e:e}");
    assert!(e <= MAX_RELATIVE_ERROR, "{e}");
}

#[test]
fn tanh_mse() {
    let e = worst_error::<Tanh>(Loss::Mse);
    println!("tanh/mse worst relative error {e:e}");
    assert!(e <= MAX_RELATIVE_ERROR, "{e}");
}

#[test]
fn identity_mse() {
    let e = worst_error::<Identity>(Loss::Mse);
    println!("identity/mse worst relative error {e:e}");
    assert!(e <= MAX_RELATIVE_ERROR, "{e}");
}

#[test]
fn relu_mse() {
    // No pre-activation of this setup lies within STEP of ReLU's kink at 0.
    let e = worst_error::<Relu>(Loss::Mse);
    println!("relu/mse worst relative error {e:e}");
    assert!(e <= MAX_RELATIVE_ERROR, "{e}");
}

/// The tied gradient is the sum of both uses of W: dropping either part breaks the check.
#[test]
fn weight_gradient_has_encoder_and_decoder_parts() {
    let (w, b1, b2, x) = setup();
    let model = VanillaAutoencoder::<f64>::from_parts(w.clone(), b1.clone(), b2.clone()).unwrap();
    let (_, grads) = model.loss_and_gradient(&x, Loss::Mse).unwrap();
    // Decoder part alone, by the DESIGN formula: Yᵀ dA2 with dA2 = 2 (Z − X) σ'(A2) / m.
    let y = model.encode(&x).unwrap();
    let z = model.reconstruct(&x).unwrap();
    let m = x.len() as f64;
    let d_a2 = (&z - &x) * 2.0 / m * z.mapv(|v| v * (1.0 - v));
    let decoder_part = y.t().dot(&d_a2);
    let encoder_part = &grads.w - &decoder_part;
    assert!(
        encoder_part.iter().any(|v| v.abs() > 1e-4),
        "encoder part missing"
    );
    assert!(
        decoder_part.iter().any(|v| v.abs() > 1e-4),
        "decoder part missing"
    );
}
