//! The classic 9-5-9 tied-weight autoencoder on the Wisconsin breast cancer data.
//!
//! Run with `cargo run --release --example quickstart`.

use std::time::Instant;

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{Control, EpochStats, Every, Observer, TrainConfig, VanillaAutoencoder};

/// Prints one progress line per observed epoch.
struct Progress;

impl Observer<f64> for Progress {
    fn on_epoch_end(&mut self, stats: &EpochStats<f64>) -> Control {
        println!(
            "epoch {:>3}  loss {:.6}  ({:.0} ms)",
            stats.epoch + 1,
            stats.loss,
            stats.elapsed.as_secs_f64() * 1e3
        );
        Control::Continue
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let data = breast_cancer_wisconsin();
    let x = &data.features;
    println!(
        "Wisconsin breast cancer data: {} samples x {} features, scaled to [0, 1]",
        x.nrows(),
        x.ncols()
    );

    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42)?;
    let config = TrainConfig::new()
        .learning_rate(0.1)
        .momentum(0.9)
        .epochs(100)
        .seed(7);
    println!("training 9-5-9, SGD lr 0.1, momentum 0.9, batch 1, 100 epochs");
    let report = model.fit_with_observer(x, &config, &mut Every::new(10, Progress))?;

    let errors = model.reconstruction_errors(x)?;
    let mse = errors.mean().unwrap_or(f64::NAN);
    println!(
        "final reconstruction MSE {mse:.5} (mean predictor 0.097, PCA with 5 components 0.009)"
    );

    let codes = model.encode(x)?;
    let x_hat = model.reconstruct(x)?;
    println!("\nfirst rows: 5-d code | input -> reconstruction");
    for row in 0..4 {
        let fmt = |v: ndarray::ArrayView1<f64>| {
            v.iter()
                .map(|a| format!("{a:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let class = if data.malignant[row] {
            "malignant"
        } else {
            "benign"
        };
        println!("#{row} ({class})  code [{}]", fmt(codes.row(row)));
        println!("    input [{}]", fmt(x.row(row)));
        println!("    recon [{}]", fmt(x_hat.row(row)));
    }
    println!(
        "\n{} epochs in {:.2} s; whole run {:.2} s",
        report.epochs_run(),
        report.elapsed().as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
