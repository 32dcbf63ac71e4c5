//! Every kind of bad input gives its typed error, never a panic, and leaves the model untouched.

use autoencoder::{Error, Identity, Loss, Tanh, TrainConfig, VanillaAutoencoder};
use ndarray::{Array1, Array2};

fn model() -> VanillaAutoencoder<f64> {
    VanillaAutoencoder::new(4, 2, 3).unwrap()
}

fn data(rows: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, 4), |(i, j)| ((i + 2 * j) % 5) as f64 / 4.0)
}

/// Runs `fit` expecting an error and checks the parameters did not move.
fn fit_fails(x: &Array2<f64>, config: &TrainConfig) -> Error {
    let mut m = model();
    let before = m.clone();
    let err = m.fit(x, config).unwrap_err();
    assert_eq!(m, before, "a failed fit changed the model");
    err
}

#[test]
fn wrong_column_count_in_fit() {
    let err = fit_fails(&Array2::zeros((5, 3)), &TrainConfig::new());
    assert!(matches!(
        err,
        Error::ShapeMismatch {
            expected: 4,
            found: 3
        }
    ));
}

#[test]
fn wrong_column_count_in_encode_reconstruct_and_errors() {
    let m = model();
    let x = Array2::<f64>::zeros((5, 6));
    assert!(matches!(
        m.encode(&x),
        Err(Error::ShapeMismatch {
            expected: 4,
            found: 6
        })
    ));
    assert!(matches!(
        m.reconstruct(&x),
        Err(Error::ShapeMismatch {
            expected: 4,
            found: 6
        })
    ));
    assert!(matches!(
        m.reconstruction_errors(&x),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        m.loss(&x, Loss::Mse),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn wrong_column_count_in_decode() {
    let m = model();
    // decode takes codes with n_hidden = 2 columns; 4 is the input width.
    let err = m.decode(&Array2::<f64>::zeros((5, 4))).unwrap_err();
    assert!(matches!(
        err,
        Error::ShapeMismatch {
            expected: 2,
            found: 4
        }
    ));
}

#[test]
fn zero_rows_in_fit() {
    let err = fit_fails(&Array2::zeros((0, 4)), &TrainConfig::new());
    assert!(matches!(err, Error::EmptyInput));
}

#[test]
fn zero_rows_in_inference_give_empty_arrays() {
    let m = model();
    let x = Array2::<f64>::zeros((0, 4));
    assert_eq!(m.encode(&x).unwrap().dim(), (0, 2));
    assert_eq!(m.reconstruct(&x).unwrap().dim(), (0, 4));
    assert_eq!(
        m.decode(&Array2::<f64>::zeros((0, 2))).unwrap().dim(),
        (0, 4)
    );
    assert_eq!(m.reconstruction_errors(&x).unwrap().len(), 0);
}

#[test]
fn nan_in_fit() {
    let mut x = data(6);
    x[[3, 1]] = f64::NAN;
    let err = fit_fails(&x, &TrainConfig::new());
    assert!(matches!(
        err,
        Error::NonFiniteInput {
            row: 3,
            column: 1,
            ..
        }
    ));
}

#[test]
fn infinity_in_fit_and_inference() {
    let mut x = data(6);
    x[[2, 0]] = f64::NEG_INFINITY;
    assert!(matches!(
        fit_fails(&x, &TrainConfig::new()),
        Error::NonFiniteInput {
            row: 2,
            column: 0,
            ..
        }
    ));
    assert!(matches!(
        model().encode(&x),
        Err(Error::NonFiniteInput { .. })
    ));
    let mut codes = Array2::<f64>::zeros((2, 2));
    codes[[1, 1]] = f64::INFINITY;
    assert!(matches!(
        model().decode(&codes),
        Err(Error::NonFiniteInput {
            row: 1,
            column: 1,
            ..
        })
    ));
}

#[test]
fn bce_targets_outside_unit_interval() {
    let config = TrainConfig::new().loss(Loss::BinaryCrossEntropy);
    let mut x = data(6);
    x[[4, 2]] = 1.5;
    assert!(matches!(
        fit_fails(&x, &config),
        Error::TargetOutOfRange {
            row: 4,
            column: 2,
            ..
        }
    ));
    x[[4, 2]] = -0.01;
    assert!(matches!(
        fit_fails(&x, &config),
        Error::TargetOutOfRange {
            row: 4,
            column: 2,
            ..
        }
    ));
    // The bounds themselves are valid targets.
    x[[4, 2]] = 1.0;
    x[[0, 0]] = 0.0;
    let mut m = model();
    assert!(m.fit(&x, &config.epochs(1)).is_ok());
}

#[test]
fn bce_needs_a_sigmoid_output() {
    let mut m = VanillaAutoencoder::<f64, Tanh>::new(4, 2, 0).unwrap();
    let before = m.clone();
    let err = m
        .fit(&data(6), &TrainConfig::new().loss(Loss::BinaryCrossEntropy))
        .unwrap_err();
    assert!(matches!(err, Error::BceNeedsSigmoid { activation: "tanh" }));
    assert_eq!(m, before);
}

#[test]
fn learning_rate_not_positive_or_not_finite() {
    for lr in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let err = fit_fails(&data(6), &TrainConfig::new().learning_rate(lr));
        assert!(matches!(err, Error::InvalidLearningRate(_)), "{lr}");
    }
}

#[test]
fn momentum_outside_unit_interval() {
    for mu in [1.0, 1.5, -0.1, f64::NAN] {
        let err = fit_fails(&data(6), &TrainConfig::new().momentum(mu));
        assert!(matches!(err, Error::InvalidMomentum(_)), "{mu}");
    }
}

#[test]
fn weight_decay_negative() {
    let err = fit_fails(&data(6), &TrainConfig::new().weight_decay(-0.5));
    assert!(matches!(err, Error::InvalidWeightDecay(_)));
}

#[test]
fn batch_size_zero() {
    assert!(matches!(
        fit_fails(&data(6), &TrainConfig::new().batch_size(0)),
        Error::ZeroBatchSize
    ));
}

#[test]
fn epochs_zero() {
    assert!(matches!(
        fit_fails(&data(6), &TrainConfig::new().epochs(0)),
        Error::ZeroEpochs
    ));
}

#[test]
fn zero_inputs_or_hidden_units() {
    assert!(matches!(
        VanillaAutoencoder::<f64>::new(0, 5, 0),
        Err(Error::ZeroInputs)
    ));
    assert!(matches!(
        VanillaAutoencoder::<f64>::new(9, 0, 0),
        Err(Error::ZeroHiddenUnits)
    ));
}

#[test]
fn from_parts_with_mismatched_shapes() {
    let err = VanillaAutoencoder::<f64>::from_parts(
        Array2::zeros((5, 9)),
        Array1::zeros(4),
        Array1::zeros(9),
    );
    assert!(matches!(
        err,
        Err(Error::InconsistentParts {
            w_rows: 5,
            w_cols: 9,
            b1_len: 4,
            b2_len: 9
        })
    ));
    let err = VanillaAutoencoder::<f64>::from_parts(
        Array2::zeros((5, 9)),
        Array1::zeros(5),
        Array1::zeros(8),
    );
    assert!(matches!(err, Err(Error::InconsistentParts { .. })));
    let err = VanillaAutoencoder::<f64>::from_parts(
        Array2::zeros((0, 9)),
        Array1::zeros(0),
        Array1::zeros(9),
    );
    assert!(matches!(err, Err(Error::InconsistentParts { .. })));
}

#[test]
fn from_parts_with_non_finite_values() {
    let mut w = Array2::<f64>::zeros((2, 3));
    w[[1, 2]] = f64::NAN;
    let err = VanillaAutoencoder::<f64>::from_parts(w, Array1::zeros(2), Array1::zeros(3));
    assert!(matches!(err, Err(Error::NonFiniteParameter { name: "W" })));
    let err = VanillaAutoencoder::<f64>::from_parts(
        Array2::zeros((2, 3)),
        Array1::from(vec![0.0, f64::INFINITY]),
        Array1::zeros(3),
    );
    assert!(matches!(err, Err(Error::NonFiniteParameter { name: "b1" })));
    let err = VanillaAutoencoder::<f64>::from_parts(
        Array2::zeros((2, 3)),
        Array1::zeros(2),
        Array1::from(vec![0.0, f64::NAN, 0.0]),
    );
    assert!(matches!(err, Err(Error::NonFiniteParameter { name: "b2" })));
}

/// A linear model with a too-large step grows geometrically and overflows after a few epochs;
/// `fit` must stop with `Diverged` and leave exactly the parameters of the last finite epoch.
#[test]
fn divergence_restores_the_last_finite_epoch() {
    let x = Array2::from_shape_fn((64, 4), |(i, j)| 1.0 + ((i * 7 + j * 3) % 11) as f64);
    let start = VanillaAutoencoder::<f64, Identity>::new(4, 2, 5).unwrap();
    let config = TrainConfig::new()
        .learning_rate(0.05)
        .momentum(0.9)
        .batch_size(64)
        .shuffle(false);

    let mut diverging = start.clone();
    let err = diverging
        .fit(&x, &config.clone().epochs(10_000))
        .unwrap_err();
    let Error::Diverged { epoch, batch } = err else {
        panic!("expected Diverged, got {err:?}")
    };
    assert!(
        epoch >= 2,
        "divergence came too early to test the restore: epoch {epoch}"
    );
    assert_eq!(batch, 0);
    assert!(diverging.w().iter().all(|v| v.is_finite()));

    // The same training stopped just before the failing epoch ends where `fit` restored to.
    let mut reference = start.clone();
    reference.fit(&x, &config.epochs(epoch)).unwrap();
    assert_eq!(diverging, reference);
}

#[test]
fn divergence_in_the_first_epoch_restores_the_initial_parameters() {
    let x = Array2::from_shape_fn((64, 4), |(i, j)| 1e3 * (1.0 + ((i + j) % 3) as f64));
    let mut m = VanillaAutoencoder::<f64, Identity>::new(4, 2, 5).unwrap();
    let before = m.clone();
    let err = m
        .fit(&x, &TrainConfig::new().learning_rate(1e6).batch_size(4))
        .unwrap_err();
    assert!(matches!(err, Error::Diverged { epoch: 0, .. }), "{err:?}");
    assert_eq!(m, before);
}

/// Online training (one sample per step) of small models runs its own loop: a divergence names
/// the sample and restores the parameters the fit started from (training at a safe rate first,
/// so that they are not the initial ones).
#[test]
fn online_divergence_names_the_sample_and_restores_the_parameters() {
    let x = Array2::from_shape_fn((64, 4), |(i, j)| 1.0 + ((i * 7 + j * 3) % 11) as f64);
    let mut m = VanillaAutoencoder::<f64, Identity>::new(4, 2, 5).unwrap();
    let online = TrainConfig::new()
        .momentum(0.9)
        .batch_size(1)
        .shuffle(false);
    m.fit(&x, &online.clone().learning_rate(0.002).epochs(3))
        .unwrap();
    let before = m.clone();

    let err = m
        .fit(&x, &online.learning_rate(0.01).epochs(5))
        .unwrap_err();
    let Error::Diverged { epoch, batch } = err else {
        panic!("expected Diverged, got {err:?}")
    };
    assert_eq!(epoch, 0);
    assert!(batch > 0 && batch < 64, "sample {batch}");
    assert_eq!(m, before);
}
