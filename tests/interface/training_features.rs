//! Optional training features through the public API: schedules, validation, early stopping,
//! denoising, Adam.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Error, LearningRateSchedule, LossHistory, Noise, Optimizer, StopReason, TrainConfig,
    VanillaAutoencoder,
};
use ndarray::{Array2, s};

fn wisconsin() -> Array2<f64> {
    breast_cancer_wisconsin().features
}

fn rates_seen(schedule: LearningRateSchedule, epochs: usize) -> Vec<f64> {
    let x = wisconsin().slice(s![..100, ..]).to_owned();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    let mut history = LossHistory::new();
    let config = TrainConfig::new()
        .learning_rate(0.4)
        .epochs(epochs)
        .schedule(schedule);
    model.fit_with_observer(&x, &config, &mut history).unwrap();
    history.epochs().iter().map(|e| e.learning_rate).collect()
}

#[test]
fn schedules_follow_their_formulas_epoch_by_epoch() {
    let eta = 0.4;
    type Formula = Box<dyn Fn(usize) -> f64>;
    let cases: Vec<(LearningRateSchedule, Formula)> = vec![
        (LearningRateSchedule::Constant, Box::new(move |_| eta)),
        (
            LearningRateSchedule::StepDecay {
                step: 3,
                gamma: 0.5,
            },
            Box::new(move |t| eta * 0.5f64.powi((t / 3) as i32)),
        ),
        (
            LearningRateSchedule::Exponential { gamma: 0.8 },
            Box::new(move |t| eta * 0.8f64.powi(t as i32)),
        ),
        (
            LearningRateSchedule::InverseScaling { power: 0.75 },
            Box::new(move |t| eta / ((t + 1) as f64).powf(0.75)),
        ),
    ];
    for (schedule, formula) in cases {
        let seen = rates_seen(schedule, 8);
        for (t, rate) in seen.iter().enumerate() {
            approx::assert_relative_eq!(*rate, formula(t), max_relative = 1e-14);
        }
    }
}

#[test]
fn plateau_schedule_reduces_when_training_stalls() {
    let schedule = LearningRateSchedule::ReduceOnPlateau {
        factor: 0.5,
        patience: 0,
        min_delta: 1.0, // after the first epoch none improves by a whole unit: all are bad
        min_learning_rate: 0.05,
    };
    let seen = rates_seen(schedule, 6);
    for (got, want) in seen.iter().zip([0.4, 0.4, 0.2, 0.1, 0.05, 0.05]) {
        approx::assert_relative_eq!(*got, want, max_relative = 1e-15);
    }
}

/// Data whose validation part drifts from the training part, so the validation loss turns up
/// after a while and early stopping has something to catch.
fn drifting() -> (Array2<f64>, Array2<f64>) {
    let x = wisconsin();
    let train = x.slice(s![..40, ..]).to_owned();
    let validation = x.slice(s![400.., ..]).to_owned();
    (train, validation)
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let (train, validation) = drifting();
    let start = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let config = TrainConfig::new().learning_rate(0.5).epochs(400).seed(2);

    let mut stopped = start.clone();
    let report = stopped
        .fit_with_validation(
            &train,
            &validation,
            &config.clone().early_stopping(10, 0.0),
            &mut (),
        )
        .unwrap();
    assert_eq!(report.stop_reason(), StopReason::EarlyStopping);
    let losses = report.validation_losses().unwrap();
    let best = report.best_epoch().unwrap();
    assert_eq!(
        report.epochs_run(),
        best + 11,
        "stops `patience` epochs after the best"
    );
    let min = losses.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(losses[best], min);

    // The model holds the parameters of the best epoch: a plain run of best + 1 epochs.
    let mut reference = start.clone();
    reference.fit(&train, &config.epochs(best + 1)).unwrap();
    assert_eq!(stopped, reference);
    approx::assert_relative_eq!(
        stopped.loss(&validation, autoencoder::Loss::Mse).unwrap(),
        min,
        max_relative = 1e-12
    );
}

#[test]
fn validation_fraction_reports_a_held_out_loss() {
    let x = wisconsin();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let report = model
        .fit(&x, &TrainConfig::new().epochs(5).validation_fraction(0.2))
        .unwrap();
    let validation = report.validation_losses().unwrap();
    assert_eq!(validation.len(), 5);
    assert!(validation.iter().all(|v| v.is_finite() && *v > 0.0));
    assert!(validation[4] < validation[0]);
    // The split is seeded: the same config gives the same numbers.
    let mut again = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let report_again = again
        .fit(&x, &TrainConfig::new().epochs(5).validation_fraction(0.2))
        .unwrap();
    assert_eq!(report.validation_losses(), report_again.validation_losses());
    assert!(report.validation_losses().is_some());
    // Without validation there is none.
    let plain = model.fit(&x, &TrainConfig::new().epochs(1)).unwrap();
    assert!(plain.validation_losses().is_none());
}

#[test]
fn validation_fraction_must_leave_training_rows() {
    let x = wisconsin().slice(s![..2, ..]).to_owned();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let before = model.clone();
    let err = model
        .fit(&x, &TrainConfig::new().validation_fraction(0.9))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter {
            name: "validation_fraction",
            ..
        }
    ));
    assert_eq!(model, before);
}

#[test]
fn validation_matrix_is_checked_like_training_data() {
    let x = wisconsin();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let before = model.clone();
    let bad = Array2::<f64>::zeros((4, 8));
    let err = model
        .fit_with_validation(&x, &bad, &TrainConfig::new(), &mut ())
        .unwrap_err();
    assert!(matches!(
        err,
        Error::ShapeMismatch {
            expected: 9,
            found: 8
        }
    ));
    let empty = Array2::<f64>::zeros((0, 9));
    let err = model
        .fit_with_validation(&x, &empty, &TrainConfig::new(), &mut ())
        .unwrap_err();
    assert!(matches!(err, Error::EmptyInput));
    assert_eq!(model, before);
}

#[test]
fn denoising_is_reproducible_for_a_seed() {
    let x = wisconsin();
    let run = |noise: Noise, seed: u64| {
        let mut model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
        let config = TrainConfig::new()
            .epochs(3)
            .batch_size(8)
            .noise(noise)
            .seed(seed);
        let report = model.fit(&x, &config).unwrap();
        (model, report.epoch_losses().to_vec())
    };
    let masking = Noise::Masking { fraction: 0.25 };
    assert_eq!(run(masking, 4), run(masking, 4));
    assert_ne!(run(masking, 4).0, run(masking, 5).0);
    assert_ne!(run(masking, 4).0, run(Noise::None, 4).0);
    let gaussian = Noise::Gaussian { std_dev: 0.1 };
    assert_eq!(run(gaussian, 4), run(gaussian, 4));
    assert_ne!(run(gaussian, 4).0, run(Noise::None, 4).0);
    // Noise off leaves the shuffling untouched: the same run as a config without the setter.
    let mut plain = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    plain
        .fit(&x, &TrainConfig::new().epochs(3).batch_size(8).seed(4))
        .unwrap();
    assert_eq!(run(Noise::None, 4).0, plain);
}

#[test]
fn denoising_reconstructs_clean_inputs_from_corrupted_ones() {
    let x = wisconsin();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let config = TrainConfig::new()
        .epochs(20)
        .noise(Noise::Masking { fraction: 0.2 })
        .seed(1);
    model.fit(&x, &config).unwrap();
    // A masked copy of the data is reconstructed closer to the clean data than it is itself.
    let masked = Array2::from_shape_fn(
        x.dim(),
        |(i, j)| if (i + j) % 5 == 0 { 0.0 } else { x[[i, j]] },
    );
    let recon = model.reconstruct(&masked).unwrap();
    let err_recon = (&recon - &x).mapv(|d| d * d).mean().unwrap();
    let err_masked = (&masked - &x).mapv(|d| d * d).mean().unwrap();
    assert!(err_recon < err_masked, "{err_recon} vs {err_masked}");
}

#[test]
fn adam_trains_the_wisconsin_model() {
    let x = wisconsin();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    let config = TrainConfig::new()
        .optimizer(Optimizer::adam())
        .learning_rate(0.01)
        .batch_size(16)
        .epochs(60);
    model.fit(&x, &config).unwrap();
    let mse = model.reconstruction_errors(&x).unwrap().mean().unwrap();
    assert!(mse < 0.02, "{mse}");
}

#[test]
fn sparsity_needs_a_sigmoid_encoder() {
    let x = wisconsin();
    let mut model = VanillaAutoencoder::<f64, autoencoder::Tanh>::new(9, 5, 1).unwrap();
    let err = model
        .fit(&x, &TrainConfig::new().sparsity(0.05, 0.1))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::SparsityNeedsSigmoid { activation: "tanh" }
    ));
}

#[test]
fn sparsity_lowers_the_mean_hidden_activation() {
    let x = wisconsin();
    let mean_code = |config: TrainConfig| {
        let mut model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
        model
            .fit(&x, &config.epochs(20).batch_size(32).learning_rate(0.5))
            .unwrap();
        model.encode(&x).unwrap().mean().unwrap()
    };
    let sparse = mean_code(TrainConfig::new().sparsity(0.05, 1.0));
    let dense = mean_code(TrainConfig::new());
    assert!(sparse < 0.5 * dense, "{sparse} vs {dense}");
}

/// A run split into `fit` + `fit_resume` pieces equals one uninterrupted run, bit for bit,
/// whatever carries state across epochs: momentum or Adam moments, shuffling and noise
/// generators, a schedule, early stopping.
#[test]
fn resumed_training_is_bit_identical() {
    let x = wisconsin();
    let configs = [
        TrainConfig::new().epochs(6).batch_size(16).seed(3),
        TrainConfig::new()
            .epochs(6)
            .batch_size(8)
            .optimizer(Optimizer::adam())
            .learning_rate(0.01)
            .noise(Noise::Gaussian { std_dev: 0.05 })
            .schedule(LearningRateSchedule::Exponential { gamma: 0.9 })
            .seed(4),
        TrainConfig::new()
            .epochs(6)
            .batch_size(4)
            .validation_fraction(0.25)
            .early_stopping(2, 0.0)
            .noise(Noise::Masking { fraction: 0.1 })
            .seed(5),
    ];
    for config in configs {
        let start = VanillaAutoencoder::<f64>::new(9, 5, 8).unwrap();
        let mut whole = start.clone();
        let whole_report = whole.fit(&x, &config).unwrap();

        let mut split = start.clone();
        let first = split.fit(&x, &config.clone().epochs(2)).unwrap();
        let second = split
            .fit_resume(&x, &config.clone().epochs(4), first.into_state(), &mut ())
            .unwrap();
        let mut losses = second.epoch_losses().to_vec();
        let third = split
            .fit_resume(&x, &config, second.into_state(), &mut ())
            .unwrap();
        losses.extend_from_slice(third.epoch_losses());

        assert_eq!(split, whole, "{config:?}");
        assert_eq!(&losses[..], &whole_report.epoch_losses()[2..], "{config:?}");
        assert_eq!(third.state(), whole_report.state());
    }
}

#[test]
fn incompatible_training_states_are_refused() {
    let x = wisconsin();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 8).unwrap();
    let state = model
        .fit(&x, &TrainConfig::new().epochs(2))
        .unwrap()
        .into_state();
    let before = model.clone();
    let refused = |model: &mut VanillaAutoencoder<f64>, config: TrainConfig| {
        let err = model
            .fit_resume(&x, &config, state.clone(), &mut ())
            .unwrap_err();
        assert!(
            matches!(err, Error::IncompatibleTrainState { .. }),
            "{err:?}"
        );
    };
    refused(
        &mut model,
        TrainConfig::new().epochs(4).optimizer(Optimizer::adam()),
    );
    refused(&mut model, TrainConfig::new().epochs(2));
    refused(
        &mut model,
        TrainConfig::new().epochs(4).early_stopping(3, 0.0),
    );
    assert_eq!(model, before);
    let mut other = VanillaAutoencoder::<f64>::new(9, 4, 8).unwrap();
    let err = other
        .fit_resume(&x, &TrainConfig::new().epochs(4), state.clone(), &mut ())
        .unwrap_err();
    assert!(matches!(err, Error::IncompatibleTrainState { .. }));
    assert_eq!(state.epoch(), 2);
}
