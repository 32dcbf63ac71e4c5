//! A progress bar (indicatif) driven by the training observer: epoch, training loss and
//! validation loss, with early stopping on the validation loss.
//!
//! Run with `cargo run --release --example progress`.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Control, EpochStats, FitReport, LearningRateSchedule, Observer, TrainConfig, VanillaAutoencoder,
};
use indicatif::{ProgressBar, ProgressStyle};

/// Moves the bar one epoch on and shows the latest losses.
struct Bar(ProgressBar);

impl Observer<f64> for Bar {
    fn on_epoch_end(&mut self, stats: &EpochStats<f64>) -> Control {
        self.0.set_position(stats.epoch as u64 + 1);
        self.0.set_message(format!(
            "loss {:.5}  validation {:.5}  lr {:.4}",
            stats.loss,
            stats.validation_loss.unwrap_or(f64::NAN),
            stats.learning_rate
        ));
        Control::Continue
    }

    fn on_finish(&mut self, report: &FitReport<f64>) {
        self.0
            .finish_with_message(format!("stopped: {:?}", report.stop_reason()));
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let x = breast_cancer_wisconsin().features;
    let epochs = 300;
    let bar = ProgressBar::new(epochs as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:30} {pos:>3}/{len} epochs  {msg}",
    )?);

    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42)?;
    let config = TrainConfig::new()
        .epochs(epochs)
        .batch_size(8)
        .learning_rate(0.5)
        .validation_fraction(0.2)
        .early_stopping(15, 1e-6)
        .schedule(LearningRateSchedule::ReduceOnPlateau {
            factor: 0.5,
            patience: 5,
            min_delta: 1e-6,
            min_learning_rate: 1e-3,
        })
        .seed(3);
    let report = model.fit_with_observer(&x, &config, &mut Bar(bar))?;
    let best = report.best_epoch().unwrap_or(report.epochs_run() - 1);
    let validation = report.validation_losses().map_or(f64::NAN, |v| v[best]);
    println!(
        "best epoch {}: validation loss {validation:.5}; the model holds its parameters",
        best + 1
    );
    Ok(())
}
