//! The stacked autoencoder through the public API.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Activation, Error, Loss, Sigmoid, StackedAutoencoder, Tanh, TrainConfig, VanillaAutoencoder,
};
use ndarray::{Array2, s};

/// Gradient check: the five-point stencil `(f(−2h) − 8 f(−h) + 8 f(h) − f(2h)) / 12h` has
/// truncation error ~h⁴ (1e-12) and round-off ~1e-17 / h (1e-14). The deeper stack has bias
/// gradients near 1e-6, where the plain central difference's round-off (~1e-12) alone would
/// use up the 1e-6 relative budget.
const STEP: f64 = 1e-3;
const MAX_RELATIVE_ERROR: f64 = 1e-6;
const FLOOR: f64 = 1e-8;

fn data() -> Array2<f64> {
    breast_cancer_wisconsin()
        .features
        .slice(s![..6, ..])
        .to_owned()
}

/// Every W, b1, b2 entry of every level of a 9-6-4-3 stack against finite differences.
fn worst_error<A: Activation, O: Activation>(loss: Loss) -> f64 {
    let x = data();
    let mut stack = StackedAutoencoder::<f64, A, O>::new(&[9, 6, 4, 3], 11).unwrap();
    // Non-zero biases, so that their gradients are not special.
    let levels: Vec<_> = stack
        .clone()
        .into_levels()
        .into_iter()
        .enumerate()
        .map(|(k, (w, b1, b2))| (w, b1.mapv(|_| 0.1 * k as f64 - 0.05), b2.mapv(|_| 0.07)))
        .collect();
    stack = StackedAutoencoder::from_levels(levels.clone()).unwrap();
    let (_, grads) = stack.loss_and_gradient(&x, loss).unwrap();
    let objective = |levels: &Vec<_>| {
        StackedAutoencoder::<f64, A, O>::from_levels(levels.clone())
            .unwrap()
            .loss(&x, loss)
            .unwrap()
    };
    let rel = |a: f64, n: f64| (a - n).abs() / a.abs().max(n.abs()).max(FLOOR);
    let mut worst: f64 = 0.0;
    for k in 0..levels.len() {
        for part in 0..3 {
            let len = match part {
                0 => levels[k].0.len(),
                1 => levels[k].1.len(),
                _ => levels[k].2.len(),
            };
            for i in 0..len {
                let shifted = |delta: f64| {
                    let mut l = levels.clone();
                    match part {
                        0 => l[k].0.as_slice_mut().unwrap()[i] += delta,
                        1 => l[k].1[i] += delta,
                        _ => l[k].2[i] += delta,
                    }
                    objective(&l)
                };
                let numeric = (shifted(-2.0 * STEP) - 8.0 * shifted(-STEP) + 8.0 * shifted(STEP)
                    - shifted(2.0 * STEP))
                    / (12.0 * STEP);
                let analytic = match part {
                    0 => grads[k].w.as_slice().unwrap()[i],
                    1 => grads[k].b1[i],
                    _ => grads[k].b2[i],
                };
                worst = worst.max(rel(analytic, numeric));
            }
        }
    }
    worst
}

#[test]
fn stack_gradient_matches_finite_differences() {
    for (name, e) in [
        ("sigmoid/mse", worst_error::<Sigmoid, Sigmoid>(Loss::Mse)),
        (
            "sigmoid/bce",
            worst_error::<Sigmoid, Sigmoid>(Loss::BinaryCrossEntropy),
        ),
        ("tanh/mse", worst_error::<Tanh, Tanh>(Loss::Mse)),
        (
            "tanh, identity output/mse",
            worst_error::<Tanh, autoencoder::Identity>(Loss::Mse),
        ),
        (
            "tanh, sigmoid output/bce",
            worst_error::<Tanh, Sigmoid>(Loss::BinaryCrossEntropy),
        ),
        (
            "identity/mse",
            worst_error::<autoencoder::Identity, autoencoder::Identity>(Loss::Mse),
        ),
        // A pre-activation within 2 STEP of ReLU's kink would show as an error near 1: none is.
        (
            "relu, identity output/mse",
            worst_error::<autoencoder::Relu, autoencoder::Identity>(Loss::Mse),
        ),
    ] {
        println!("{name}: worst relative error {e:.2e}");
        assert!(e <= MAX_RELATIVE_ERROR, "{name}: {e}");
    }
}

#[test]
fn one_level_stack_trains_like_the_vanilla_model() {
    let x = breast_cancer_wisconsin().features;
    let vanilla_start = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let (w, b1, b2) = vanilla_start.clone().into_parts();
    let mut stack = StackedAutoencoder::<f64>::from_levels(vec![(w, b1, b2)]).unwrap();
    let mut vanilla = vanilla_start;
    let config = TrainConfig::new().epochs(3).batch_size(16).seed(2);
    let rs = stack.fit(&x, &config).unwrap();
    let rv = vanilla.fit(&x, &config).unwrap();
    let (sw, _, _) = stack.level(0);
    // Same math, other kernels: agreement to summation-order round-off.
    for (a, b) in sw.iter().zip(vanilla.w().iter()) {
        approx::assert_abs_diff_eq!(a, b, epsilon = 1e-12);
    }
    for (a, b) in rs.epoch_losses().iter().zip(rv.epoch_losses()) {
        approx::assert_relative_eq!(a, b, max_relative = 1e-12);
    }
}

#[test]
fn shapes_and_layer_sizes() {
    let x = breast_cancer_wisconsin().features;
    let stack = StackedAutoencoder::<f32>::new(&[9, 7, 5, 2], 1).unwrap();
    assert_eq!(stack.layer_sizes(), vec![9, 7, 5, 2]);
    assert_eq!(
        (stack.n_levels(), stack.n_inputs(), stack.n_code()),
        (3, 9, 2)
    );
    let x = x.mapv(|v| v as f32);
    let codes = stack.encode(&x).unwrap();
    assert_eq!(codes.dim(), (683, 2));
    assert_eq!(stack.decode(&codes).unwrap().dim(), (683, 9));
    assert_eq!(stack.reconstruct(&x).unwrap().dim(), (683, 9));
    assert_eq!(stack.reconstruction_errors(&x).unwrap().len(), 683);
    assert_eq!(stack.level(1).0.dim(), (5, 7));
}

#[test]
fn pretraining_then_fine_tuning_lowers_the_error() {
    let x = breast_cancer_wisconsin().features;
    let mut stack = StackedAutoencoder::<f64>::new(&[9, 6, 3], 5).unwrap();
    let config = TrainConfig::new()
        .epochs(20)
        .batch_size(8)
        .learning_rate(0.5)
        .seed(1);
    let initial = stack.reconstruction_errors(&x).unwrap().mean().unwrap();
    let reports = stack.pretrain(&x, &config).unwrap();
    assert_eq!(reports.len(), 2);
    let pretrained = stack.reconstruction_errors(&x).unwrap().mean().unwrap();
    stack.fit(&x, &config).unwrap();
    let tuned = stack.reconstruction_errors(&x).unwrap().mean().unwrap();
    println!("MSE initial {initial:.4}, pretrained {pretrained:.4}, fine-tuned {tuned:.4}");
    assert!(pretrained < initial && tuned < pretrained);
}

#[test]
fn same_seed_same_stack() {
    let x = breast_cancer_wisconsin().features;
    let run = |seed| {
        let mut stack = StackedAutoencoder::<f64>::new(&[9, 6, 3], seed).unwrap();
        let config = TrainConfig::new().epochs(2).batch_size(8).seed(seed);
        stack.pretrain(&x, &config).unwrap();
        stack.fit(&x, &config).unwrap();
        stack
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn resumed_fine_tuning_is_bit_identical() {
    let x = breast_cancer_wisconsin().features;
    let start = StackedAutoencoder::<f64>::new(&[9, 6, 3], 4).unwrap();
    let config = TrainConfig::new().epochs(4).batch_size(8).seed(9);
    let mut whole = start.clone();
    whole.fit(&x, &config).unwrap();
    let mut split = start;
    let first = split.fit(&x, &config.clone().epochs(1)).unwrap();
    split
        .fit_resume(&x, &config, first.into_state(), &mut ())
        .unwrap();
    assert_eq!(split, whole);
}

#[test]
fn bad_input_is_rejected() {
    assert!(matches!(
        StackedAutoencoder::<f64>::new(&[9], 0),
        Err(Error::InvalidLayerSizes(_))
    ));
    assert!(matches!(
        StackedAutoencoder::<f64>::new(&[9, 0, 3], 0),
        Err(Error::InvalidLayerSizes(_))
    ));
    let bad_chain = vec![
        (
            Array2::zeros((4, 9)),
            ndarray::Array1::zeros(4),
            ndarray::Array1::zeros(9),
        ),
        (
            Array2::zeros((2, 5)),
            ndarray::Array1::zeros(2),
            ndarray::Array1::zeros(5),
        ),
    ];
    assert!(matches!(
        StackedAutoencoder::<f64>::from_levels(bad_chain),
        Err(Error::InvalidLayerSizes(_))
    ));
    let mut stack = StackedAutoencoder::<f64>::new(&[9, 4, 2], 0).unwrap();
    let before = stack.clone();
    let x = Array2::<f64>::zeros((5, 8));
    assert!(matches!(
        stack.fit(&x, &TrainConfig::new()),
        Err(Error::ShapeMismatch {
            expected: 9,
            found: 8
        })
    ));
    assert!(matches!(
        stack.decode(&Array2::<f64>::zeros((1, 3))),
        Err(Error::ShapeMismatch {
            expected: 2,
            found: 3
        })
    ));
    let x = breast_cancer_wisconsin().features;
    let err = stack
        .fit(&x, &TrainConfig::new().sparsity(0.05, 0.1))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter {
            name: "sparsity",
            ..
        }
    ));
    assert_eq!(stack, before);
}
