//! A 64-16 autoencoder on the 8x8 handwritten digits of `data/digits.csv`, with pictures:
//! `loss.png` (training and validation loss per epoch), `reconstructions.png` (held-out digits
//! above their reconstructions) and `filters.png` (each row of `W` as an 8x8 tile).
//!
//! ```sh
//! cargo run --release --example digits                      # writes to target/pictures/digits/
//! cargo run --release --example digits -- --out /tmp/digits --epochs 100
//! ```
//! Split (this example's own): the 1,797 rows are shuffled by ChaCha8 seeded 0; the first 20 %
//! are held out for validation and for the reconstruction picture.

use std::path::PathBuf;
use std::time::Instant;

// Shared by several examples, each of which uses part of it.
#[allow(dead_code)]
#[path = "common/draw.rs"]
mod draw;

use autoencoder::{CsvOptions, Loss, Optimizer, TrainConfig, VanillaAutoencoder};
use clap::Parser;
use ndarray::Axis;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Trains a 64-16 autoencoder on the digits data and draws what it learned.
#[derive(Parser, Debug)]
struct Args {
    /// Folder for the pictures (created if needed).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/pictures/digits"))]
    out: PathBuf,
    /// Training epochs.
    #[arg(long, default_value_t = 200)]
    epochs: usize,
    /// Hidden units (the pictures suit a square number).
    #[arg(long, default_value_t = 16)]
    hidden: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 0.01)]
    learning_rate: f64,
    /// Rows per mini-batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// L2 weight decay on W (keeps the weights of the always-blank border pixels small).
    #[arg(long, default_value_t = 1e-4)]
    weight_decay: f64,
    /// Target mean activation of the KL sparsity penalty.
    #[arg(long, default_value_t = 0.1)]
    rho: f64,
    /// Weight of the KL sparsity penalty (0 turns it off).
    #[arg(long, default_value_t = 0.0)]
    beta: f64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let table = CsvOptions::new().read_path::<f64>(path)?;
    let pixels = table.data.slice(ndarray::s![.., ..64]).mapv(|v| v / 16.0);
    let labels: Vec<usize> = table.data.column(64).iter().map(|&l| l as usize).collect();

    let mut order: Vec<usize> = (0..pixels.nrows()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(0));
    let (held_out, train) = order.split_at(pixels.nrows() / 5);
    let (x_train, x_val) = (
        pixels.select(Axis(0), train),
        pixels.select(Axis(0), held_out),
    );
    println!(
        "digits: {} training rows, {} validation rows",
        x_train.nrows(),
        x_val.nrows()
    );

    let mut config = TrainConfig::new()
        .optimizer(Optimizer::adam())
        .learning_rate(args.learning_rate)
        .weight_decay(args.weight_decay)
        .batch_size(args.batch_size)
        .epochs(args.epochs)
        .loss(Loss::BinaryCrossEntropy)
        .seed(1);
    if args.beta > 0.0 {
        config = config.sparsity(args.rho, args.beta);
    }
    let mut model = VanillaAutoencoder::<f64>::new(64, args.hidden, 42)?;
    let start = Instant::now();
    let report = model.fit_with_validation(&x_train, &x_val, &config, &mut ())?;
    let validation = report.validation_losses().unwrap_or(&[]);
    println!(
        "{} epochs in {:.1} s: training loss {:.4} -> {:.4}, validation loss {:.4}",
        report.epochs_run(),
        start.elapsed().as_secs_f64(),
        report.epoch_losses()[0],
        report.final_loss(),
        validation.last().copied().unwrap_or(f64::NAN),
    );

    std::fs::create_dir_all(&args.out)?;
    let held_labels: Vec<usize> = held_out.iter().map(|&i| labels[i]).collect();
    let shown = draw::one_of_each_digit(&held_labels, 2);
    let originals = x_val.select(Axis(0), &shown);
    let reconstructed = model.reconstruct(&originals)?;
    let title = format!(
        "64-{} digits, BCE: training and validation loss",
        args.hidden
    );
    draw::loss_curves(
        &args.out.join("loss.png"),
        &title,
        report.epoch_losses(),
        validation,
    )?;
    draw::reconstructions(
        &args.out.join("reconstructions.png"),
        &originals,
        &reconstructed,
        8,
        8,
        10,
    )?;
    draw::filters(&args.out.join("filters.png"), &model.w().to_owned(), 8, 12)?;
    println!("pictures in {}", args.out.display());
    Ok(())
}
