//! The public API as a user sees it: shapes, ranges, storage kinds, determinism, f32.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Control, Error, FitReport, LossHistory, StackedAutoencoder, StopReason, Tanh, TrainConfig,
    ValidTrainConfig, VanillaAutoencoder, observer_fn,
};
use ndarray::{Array2, s};

fn toy(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 6.0)
}

#[test]
fn classic_nine_five_nine_shapes() {
    let x = toy(30, 9);
    let model = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    assert_eq!(model.w().dim(), (5, 9));
    assert_eq!((model.b1().len(), model.b2().len()), (5, 9));
    assert_eq!(model.encode(&x).unwrap().dim(), (30, 5));
    assert_eq!(model.reconstruct(&x).unwrap().dim(), (30, 9));
    assert_eq!(
        model.decode(&model.encode(&x).unwrap()).unwrap().dim(),
        (30, 9)
    );
    assert_eq!(model.reconstruction_errors(&x).unwrap().len(), 30);
}

#[test]
fn large_dimensions_work_too() {
    let x = Array2::from_shape_fn((40, 784), |(i, j)| ((i * 13 + j) % 256) as f32 / 255.0);
    let mut model = VanillaAutoencoder::<f32>::new(784, 128, 1).unwrap();
    let report = model
        .fit(&x, &TrainConfig::new().epochs(2).batch_size(16))
        .unwrap();
    assert_eq!(report.epochs_run(), 2);
    assert_eq!(model.encode(&x).unwrap().dim(), (40, 128));
}

#[test]
fn initialisation_follows_the_glorot_bound_and_zero_biases() {
    let model = VanillaAutoencoder::<f64>::new(9, 5, 7).unwrap();
    let bound = (6.0_f64 / 14.0).sqrt();
    assert!(model.w().iter().all(|v| v.abs() < bound));
    assert!(
        model.w().iter().any(|v| v.abs() > 0.8 * bound),
        "draws should span the range"
    );
    assert!(
        model
            .b1()
            .iter()
            .chain(model.b2().iter())
            .all(|&v| v == 0.0)
    );
}

#[test]
fn sigmoid_outputs_lie_in_the_unit_interval() {
    let model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let x = toy(20, 9) * 40.0 - 20.0;
    for v in model
        .encode(&x)
        .unwrap()
        .iter()
        .chain(model.reconstruct(&x).unwrap().iter())
    {
        assert!((0.0..=1.0).contains(v));
    }
}

#[test]
fn reconstruction_errors_are_row_means_of_squared_differences() {
    let model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let x = toy(6, 9);
    let z = model.reconstruct(&x).unwrap();
    let errors = model.reconstruction_errors(&x).unwrap();
    for (r, e) in errors.iter().enumerate() {
        let expected = (&z.row(r) - &x.row(r)).mapv(|d| d * d).sum() / 9.0;
        approx::assert_abs_diff_eq!(*e, expected, epsilon = 1e-15);
    }
}

#[test]
fn views_and_owned_arrays_give_the_same_results() {
    let model = VanillaAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let big = toy(40, 12);
    let view = big.slice(s![5..25;2, 1..10]); // strided, non-contiguous
    let owned = view.to_owned();
    assert_eq!(model.encode(&view).unwrap(), model.encode(&owned).unwrap());
    let transposed_storage = owned.t().to_owned().reversed_axes(); // column-major copy
    assert_eq!(
        model.reconstruct(&transposed_storage).unwrap(),
        model.reconstruct(&owned).unwrap()
    );

    let config = TrainConfig::new().epochs(3).seed(1);
    let (mut a, mut b) = (model.clone(), model.clone());
    let ra = a.fit(&view, &config).unwrap();
    let rb = b.fit(&transposed_storage, &config).unwrap();
    assert_eq!(ra.epoch_losses(), rb.epoch_losses());
    assert_eq!(a, b);
}

#[test]
fn same_seeds_give_bit_identical_runs() {
    let x = toy(50, 9);
    let config = TrainConfig::new().epochs(4).batch_size(8).seed(11);
    let mut a = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    let mut b = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    assert_eq!(a, b);
    let (ra, rb) = (a.fit(&x, &config).unwrap(), b.fit(&x, &config).unwrap());
    assert_eq!(a, b);
    let bits = |r: &FitReport<f64>| {
        r.epoch_losses()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&ra), bits(&rb));
}

#[test]
fn different_seeds_differ() {
    let x = toy(50, 9);
    let a = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    let b = VanillaAutoencoder::<f64>::new(9, 5, 2).unwrap();
    assert_ne!(a, b);
    // The shuffling seed alone changes the trajectory.
    let (mut c, mut d) = (a.clone(), a.clone());
    c.fit(&x, &TrainConfig::new().epochs(2).seed(1)).unwrap();
    d.fit(&x, &TrainConfig::new().epochs(2).seed(2)).unwrap();
    assert_ne!(c, d);
}

#[test]
fn f32_and_f64_start_from_the_same_weights() {
    let a = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    let b = VanillaAutoencoder::<f32>::new(9, 5, 42).unwrap();
    for (x, y) in a.w().iter().zip(b.w().iter()) {
        assert_eq!(*x as f32, *y);
    }
}

#[test]
fn f32_training_learns() {
    let data = breast_cancer_wisconsin();
    let x = data.features.mapv(|v| v as f32);
    let mut model = VanillaAutoencoder::<f32>::new(9, 5, 42).unwrap();
    let before = model.reconstruction_errors(&x).unwrap().mean().unwrap();
    let report = model.fit(&x, &TrainConfig::new().epochs(5)).unwrap();
    let after = model.reconstruction_errors(&x).unwrap().mean().unwrap();
    assert!(after < 0.5 * before, "{before} -> {after}");
    assert!(report.final_loss() < report.epoch_losses()[0]);
}

#[test]
fn fit_continues_from_the_current_parameters() {
    let x = toy(30, 9);
    let config = TrainConfig::new().epochs(3).seed(4);
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    let first = model.fit(&x, &config).unwrap();
    let after_first = model.clone();
    let second = model.fit(&x, &config).unwrap();
    assert_ne!(model, after_first);
    assert!(second.epoch_losses()[0] < first.epoch_losses()[0]);
}

#[test]
fn observers_see_every_epoch_and_tolerance_stops() {
    let x = toy(30, 9);
    let mut history = LossHistory::new();
    let mut model = VanillaAutoencoder::<f64, Tanh>::new(9, 5, 42).unwrap();
    let report = model
        .fit_with_observer(&x, &TrainConfig::new().epochs(6), &mut history)
        .unwrap();
    assert_eq!(history.losses(), report.epoch_losses());
    assert_eq!(
        history.epochs().iter().map(|s| s.epoch).collect::<Vec<_>>(),
        (0..6).collect::<Vec<_>>()
    );
    assert_eq!(report.stop_reason(), StopReason::MaxEpochs);

    let target = report.epoch_losses()[2];
    let mut again = VanillaAutoencoder::<f64, Tanh>::new(9, 5, 42).unwrap();
    let report = again
        .fit(&x, &TrainConfig::new().epochs(6).tolerance(target))
        .unwrap();
    assert_eq!(
        (report.epochs_run(), report.stop_reason()),
        (3, StopReason::Tolerance)
    );
}

#[test]
fn public_types_are_send_sync_unpin() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<VanillaAutoencoder<f64>>();
    check::<VanillaAutoencoder<f32, Tanh>>();
    check::<StackedAutoencoder<f64>>();
    check::<StackedAutoencoder<f32, Tanh>>();
    check::<TrainConfig>();
    check::<ValidTrainConfig>();
    check::<Error>();
    check::<FitReport<f32>>();
}

#[test]
fn errors_display_what_was_expected() {
    let err = TrainConfig::new().momentum(1.5).check().unwrap_err();
    assert_eq!(
        err.to_string(),
        "momentum must be finite and in [0, 1), got 1.5"
    );
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(!boxed.to_string().is_empty());
}

#[test]
fn a_closure_observes_through_observer_fn() {
    let x = toy(30, 9);
    let mut seen = Vec::new();
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    let report = model
        .fit_with_observer(
            &x,
            &TrainConfig::new().epochs(50),
            &mut observer_fn(|stats| {
                seen.push((stats.epoch, stats.loss));
                if stats.epoch == 3 {
                    Control::Stop
                } else {
                    Control::Continue
                }
            }),
        )
        .unwrap();
    assert_eq!(report.stop_reason(), StopReason::Observer);
    let epochs: Vec<usize> = seen.iter().map(|s| s.0).collect();
    assert_eq!(epochs, [0, 1, 2, 3]);
    let losses: Vec<f64> = seen.iter().map(|s| s.1).collect();
    assert_eq!(losses, report.epoch_losses());

    // The same closure type observes a stack.
    let mut count = 0;
    let mut stack = StackedAutoencoder::<f64>::new(&[9, 5, 3], 0).unwrap();
    stack
        .fit_with_observer(
            &x,
            &TrainConfig::new().epochs(4),
            &mut observer_fn(|_| {
                count += 1;
                Control::Continue
            }),
        )
        .unwrap();
    assert_eq!(count, 4);
}

#[test]
fn debug_shows_shapes_and_activations_not_weights() {
    let model = VanillaAutoencoder::<f64>::new(784, 128, 0).unwrap();
    let text = format!("{model:?}");
    assert_eq!(
        text,
        "VanillaAutoencoder { n_inputs: 784, n_hidden: 128, activation: \"sigmoid\", \
         output_activation: \"sigmoid\", .. }"
    );
    let pretty = format!("{model:#?}");
    assert!(pretty.lines().count() < 10, "{pretty}");
    let stack = StackedAutoencoder::<f32, Tanh>::new(&[784, 256, 32], 0).unwrap();
    assert_eq!(
        format!("{stack:?}"),
        "StackedAutoencoder { layer_sizes: [784, 256, 32], activation: \"tanh\", \
         output_activation: \"tanh\", .. }"
    );
}
