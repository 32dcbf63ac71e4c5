//! The untied model: its gradient against finite differences for every activation × loss,
//! its initialisation, constructors, checks, files, resumption and use through the shared
//! interfaces. Its reference runs are in `tests/engine/deep.rs`.

use autoencoder::{
    Activation, AnomalyDetector, Autoencoder, Error, Identity, Loss, Noise, Optimizer, Relu,
    Sigmoid, Tanh, Threshold, TrainConfig, UntiedAutoencoder, VanillaAutoencoder,
};
use ndarray::{Array1, Array2};

/// Largest accepted relative error `|analytic − numeric| / max(|analytic|, |numeric|, FLOOR)`;
/// central differences with step 1e-5 are good to about 1e-10 here (see gradient_check.rs).
const MAX_RELATIVE_ERROR: f64 = 1e-6;
const FLOOR: f64 = 1e-8;
const STEP: f64 = 1e-5;

type Parts = (Array2<f64>, Array2<f64>, Array1<f64>, Array1<f64>);

/// A 3-2 layer and 4 samples in (0, 1); no pre-activation lies within `STEP` of ReLU's kink.
fn setup() -> (Parts, Array2<f64>) {
    let w = Array2::from_shape_vec((2, 3), vec![0.4, -0.7, 0.25, -0.3, 0.55, 0.9]).unwrap();
    let v = Array2::from_shape_vec((3, 2), vec![0.6, -0.2, 0.35, 0.8, -0.45, 0.15]).unwrap();
    let b1 = Array1::from(vec![0.1, -0.2]);
    let b2 = Array1::from(vec![-0.05, 0.3, 0.15]);
    let x = Array2::from_shape_vec(
        (4, 3),
        vec![
            0.1, 0.8, 0.35, 0.9, 0.2, 0.6, 0.45, 0.05, 0.7, 0.0, 1.0, 0.5,
        ],
    )
    .unwrap();
    ((w, v, b1, b2), x)
}

fn model<A: Activation, O: Activation>(parts: &Parts) -> UntiedAutoencoder<f64, A, O> {
    let (w, v, b1, b2) = parts.clone();
    UntiedAutoencoder::from_parts(w, v, b1, b2).unwrap()
}

/// Worst relative error of the analytic gradient over every entry of `W`, `V`, `b1`, `b2`.
fn worst_error<A: Activation, O: Activation>(loss: Loss) -> f64 {
    let (parts, x) = setup();
    let (_, layer, decoder) = model::<A, O>(&parts).loss_and_gradient(&x, loss).unwrap();
    assert_eq!((decoder.w.dim(), decoder.b1.len()), ((3, 2), 0));
    let analytic: Vec<f64> = layer
        .w
        .iter()
        .chain(&decoder.w)
        .chain(&layer.b1)
        .chain(&layer.b2)
        .copied()
        .collect();
    // The same order: W, V, b1, b2.
    let mut numeric = Vec::new();
    for which in 0..4 {
        let n = [6, 6, 2, 3][which];
        for k in 0..n {
            let at = |delta: f64| {
                let mut p = parts.clone();
                match which {
                    0 => p.0.as_slice_mut().unwrap()[k] += delta,
                    1 => p.1.as_slice_mut().unwrap()[k] += delta,
                    2 => p.2[k] += delta,
                    _ => p.3[k] += delta,
                }
                model::<A, O>(&p).loss(&x, loss).unwrap()
            };
            numeric.push((at(STEP) - at(-STEP)) / (2.0 * STEP));
        }
    }
    analytic
        .iter()
        .zip(&numeric)
        .map(|(a, n)| (a - n).abs() / a.abs().max(n.abs()).max(FLOOR))
        .fold(0.0, f64::max)
}

#[test]
fn gradient_matches_finite_differences_for_every_activation_and_loss() {
    let cases = [
        ("sigmoid/mse", worst_error::<Sigmoid, Sigmoid>(Loss::Mse)),
        (
            "sigmoid/bce",
            worst_error::<Sigmoid, Sigmoid>(Loss::BinaryCrossEntropy),
        ),
        (
            "tanh, sigmoid output/bce",
            worst_error::<Tanh, Sigmoid>(Loss::BinaryCrossEntropy),
        ),
        ("tanh/mse", worst_error::<Tanh, Tanh>(Loss::Mse)),
        (
            "tanh, identity output/mse",
            worst_error::<Tanh, Identity>(Loss::Mse),
        ),
        ("identity/mse", worst_error::<Identity, Identity>(Loss::Mse)),
        (
            "relu, identity output/mse",
            worst_error::<Relu, Identity>(Loss::Mse),
        ),
        ("relu/mse", worst_error::<Relu, Relu>(Loss::Mse)),
    ];
    for (name, e) in cases {
        println!("{name}: worst relative error {e:.2e}");
        assert!(e <= MAX_RELATIVE_ERROR, "{name}: {e}");
    }
}

#[test]
fn new_draws_w_as_the_tied_model_does_then_v() {
    let untied = UntiedAutoencoder::<f64>::new(9, 5, 42).unwrap();
    let tied = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    assert_eq!(untied.w(), tied.w());
    let bound = (6.0_f64 / 14.0).sqrt();
    assert!(untied.v().iter().all(|v| v.abs() < bound));
    assert_ne!(untied.v(), untied.w().t(), "V is drawn after W, not copied");
    assert!(untied.b1().iter().chain(untied.b2()).all(|&b| b == 0.0));
    assert_eq!(untied, UntiedAutoencoder::<f64>::new(9, 5, 42).unwrap());
}

#[test]
fn bad_parts_and_settings_are_rejected() {
    let ((w, v, b1, b2), x) = setup();
    let nan_v = v.mapv(|_| f64::NAN);
    assert!(matches!(
        UntiedAutoencoder::<f64>::from_parts(w.clone(), nan_v, b1.clone(), b2.clone()),
        Err(Error::NonFiniteParameter { name: "V" })
    ));
    assert!(matches!(
        UntiedAutoencoder::<f64>::from_parts(w.clone(), w.clone(), b1.clone(), b2.clone()),
        Err(Error::DecoderShapeMismatch {
            expected: [3, 2],
            found: [2, 3]
        })
    ));
    assert!(matches!(
        UntiedAutoencoder::<f64>::new(0, 2, 0),
        Err(Error::ZeroInputs)
    ));
    // Options the model cannot apply are refused before training, and the model is unchanged.
    let mut relu = model::<Relu, Identity>(&(w, v, b1, b2));
    let before = relu.clone();
    assert!(matches!(
        relu.fit(&x, &TrainConfig::new().sparsity(0.1, 1.0)),
        Err(Error::SparsityNeedsSigmoid { .. })
    ));
    assert!(matches!(
        relu.fit(&x, &TrainConfig::new().loss(Loss::BinaryCrossEntropy)),
        Err(Error::BceNeedsSigmoid { .. })
    ));
    assert!(matches!(
        relu.encode(&Array2::<f64>::zeros((2, 4))),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(relu, before);
}

#[test]
fn penalties_and_noise_train_the_untied_layer() {
    let x = Array2::from_shape_fn((80, 6), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 6.0);
    for config in [
        TrainConfig::new().sparsity(0.2, 0.5),
        TrainConfig::new().contractive(0.01),
        TrainConfig::new().noise(Noise::Masking { fraction: 0.2 }),
        TrainConfig::new().weight_decay(1e-3).nesterov(true),
    ] {
        let mut model = UntiedAutoencoder::<f64>::new(6, 3, 7).unwrap();
        let report = model
            .fit(&x, &config.clone().epochs(40).learning_rate(0.5))
            .unwrap();
        let losses = report.epoch_losses();
        assert!(
            losses[losses.len() - 1] < losses[0],
            "{config:?}: {losses:?}"
        );
    }
}

#[test]
fn a_resumed_run_is_bit_identical() {
    let x = Array2::from_shape_fn((50, 4), |(i, j)| ((i + j) % 3) as f64 / 2.0);
    let config = TrainConfig::new()
        .epochs(6)
        .seed(1)
        .optimizer(Optimizer::adam())
        .learning_rate(0.01);
    let mut whole = UntiedAutoencoder::<f64, Tanh, Identity>::new(4, 2, 0).unwrap();
    whole.fit(&x, &config).unwrap();
    let mut split = UntiedAutoencoder::<f64, Tanh, Identity>::new(4, 2, 0).unwrap();
    let first = split.fit(&x, &config.clone().epochs(2)).unwrap();
    split
        .fit_resume(&x, &config, first.into_state(), &mut ())
        .unwrap();
    assert_eq!(split, whole);
    // A state from a tied model does not fit (one parameter block instead of two).
    let tied_state = VanillaAutoencoder::<f64, Tanh, Identity>::new(4, 2, 0)
        .unwrap()
        .fit(&x, &config.clone().epochs(2))
        .unwrap()
        .into_state();
    assert!(matches!(
        split.fit_resume(&x, &config, tied_state, &mut ()),
        Err(Error::IncompatibleTrainState { .. })
    ));
}

#[test]
fn the_shared_interface_and_the_detector_take_an_untied_model() {
    let x = Array2::from_shape_fn((120, 5), |(i, j)| ((i * 7 + j) % 9) as f64 / 8.0);
    let mut boxed: Box<dyn Autoencoder<f64>> =
        autoencoder::new_untied("sigmoid", "sigmoid", 5, 3, 2).unwrap();
    boxed.fit(x.view(), &TrainConfig::new().epochs(20)).unwrap();
    assert_eq!((boxed.kind(), boxed.n_code()), ("untied", 3));
    // Rows on a smooth one-parameter curve, and every 20th row replaced by a far-off one.
    let t = |i: usize| i as f64 / 120.0;
    let mut x = Array2::from_shape_fn((120, 5), |(i, j)| 0.5 + 0.4 * (3.0 * t(i) + j as f64).sin());
    for i in (0..120).step_by(20) {
        x.row_mut(i)
            .assign(&ndarray::array![1.0, 0.0, 1.0, 0.0, 1.0]);
    }
    let model = UntiedAutoencoder::<f64>::new(5, 3, 2).unwrap();
    let config = TrainConfig::new()
        .epochs(200)
        .learning_rate(0.5)
        .momentum(0.9);
    let detector =
        AnomalyDetector::train(model, &x, &config, Threshold::Contamination(0.05)).unwrap();
    let flagged = detector.predict(&x).unwrap();
    let outliers: Vec<usize> = (0..120).step_by(20).collect();
    let found: Vec<usize> = (0..120).filter(|&i| flagged[i]).collect();
    assert_eq!(found, outliers);
}

#[cfg(feature = "serde")]
#[test]
fn files_round_trip_exactly_and_refuse_other_kinds() {
    let model = UntiedAutoencoder::<f32, Tanh, Identity>::new(7, 3, 5).unwrap();
    let json = model.to_json_string();
    assert!(json.starts_with(r#"{"format":"autoencoder/untied","version":2,"float":"f32""#));
    assert_eq!(
        UntiedAutoencoder::<f32, Tanh, Identity>::from_json_str(&json).unwrap(),
        model
    );
    assert!(matches!(
        UntiedAutoencoder::<f32, Tanh, Tanh>::from_json_str(&json),
        Err(Error::ActivationMismatch { .. })
    ));
    assert!(matches!(
        VanillaAutoencoder::<f32, Tanh, Identity>::from_json_str(&json),
        Err(Error::CorruptModel { .. })
    ));
    let path = std::env::temp_dir().join(format!("untied-{}.json", std::process::id()));
    model.save_json(&path).unwrap();
    assert_eq!(
        UntiedAutoencoder::<f32, Tanh, Identity>::load_json(&path).unwrap(),
        model
    );
    std::fs::remove_file(&path).unwrap();
}
