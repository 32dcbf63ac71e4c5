//! `epochs(usize::MAX)` means "until something else stops training": nothing is allocated in
//! proportion to the epoch budget, and early stopping or an observer ends the run normally.

use autoencoder::{
    Control, EpochStats, Observer, StackedAutoencoder, StopReason, TrainConfig, VanillaAutoencoder,
};
use ndarray::{Array2, s};

fn data() -> Array2<f64> {
    Array2::from_shape_fn((40, 6), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 6.0)
}

/// Stops after `n` epochs.
struct StopAfter(usize);

impl Observer<f64> for StopAfter {
    fn on_epoch_end(&mut self, stats: &EpochStats<f64>) -> Control {
        if stats.epoch + 1 >= self.0 {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

fn until_early_stop() -> TrainConfig {
    // A min_delta far above any improvement: the run stops after `patience` epochs.
    TrainConfig::new()
        .epochs(usize::MAX)
        .batch_size(8)
        .early_stopping(3, 1.0)
}

#[test]
fn vanilla_fit_until_early_stopping() {
    let mut model = VanillaAutoencoder::<f64>::new(6, 3, 0).unwrap();
    let report = model.fit(&data(), &until_early_stop()).unwrap();
    assert_eq!(report.stop_reason(), StopReason::EarlyStopping);
    assert_eq!(report.epochs_run(), 4);
}

#[test]
fn vanilla_fit_with_validation_until_early_stopping() {
    let x = data();
    let (train, held_out) = (x.slice(s![..30, ..]), x.slice(s![30.., ..]));
    let mut model = VanillaAutoencoder::<f64>::new(6, 3, 0).unwrap();
    let report = model
        .fit_with_validation(&train, &held_out, &until_early_stop(), &mut ())
        .unwrap();
    assert_eq!(report.stop_reason(), StopReason::EarlyStopping);
    assert_eq!(report.validation_losses().unwrap().len(), 4);
}

#[test]
fn vanilla_fit_until_the_observer_stops() {
    let mut model = VanillaAutoencoder::<f64>::new(6, 3, 0).unwrap();
    let config = TrainConfig::new().epochs(usize::MAX).batch_size(1);
    let report = model
        .fit_with_observer(&data(), &config, &mut StopAfter(5))
        .unwrap();
    assert_eq!(report.stop_reason(), StopReason::Observer);
    assert_eq!(report.epochs_run(), 5);
}

#[test]
fn stacked_fit_and_pretrain_until_stopped() {
    let x = data();
    let mut stack = StackedAutoencoder::<f64>::new(&[6, 4, 2], 0).unwrap();
    let reports = stack.pretrain(&x, &until_early_stop()).unwrap();
    assert!(
        reports
            .iter()
            .all(|r| r.stop_reason() == StopReason::EarlyStopping && r.epochs_run() == 4)
    );
    let report = stack.fit(&x, &until_early_stop()).unwrap();
    assert_eq!(report.stop_reason(), StopReason::EarlyStopping);
    let (train, held_out) = (x.slice(s![..30, ..]), x.slice(s![30.., ..]));
    let report = stack
        .fit_with_validation(&train, &held_out, &until_early_stop(), &mut ())
        .unwrap();
    assert_eq!(report.epochs_run(), 4);
    let config = TrainConfig::new().epochs(usize::MAX);
    let report = stack
        .fit_with_observer(&x, &config, &mut StopAfter(3))
        .unwrap();
    assert_eq!(report.stop_reason(), StopReason::Observer);
    assert_eq!(report.epochs_run(), 3);
}
