//! A 784-64 autoencoder on the 5,000 MNIST digits of `data/mnist_5k.csv.gz`, with the pictures
//! of `examples/digits.rs`: `loss.png`, `reconstructions.png` and `filters.png` (28x28 tiles).
//!
//! ```sh
//! cargo run --release --example mnist                       # writes to target/pictures/mnist/
//! cargo run --release --example mnist -- --hidden 128 --epochs 80 --out /tmp/mnist
//! ```
//! The file's rows are sorted by label, so they are shuffled (ChaCha8 seeded 0) before the
//! split: the first 20 % are held out for validation and for the reconstruction picture.

// Shared by several examples, each of which uses part of it.
#[allow(dead_code)]
#[path = "common/draw.rs"]
mod draw;

use std::fs::File;
use std::path::PathBuf;
use std::time::Instant;

use autoencoder::{CsvOptions, Loss, Optimizer, TrainConfig, VanillaAutoencoder};
use clap::Parser;
use flate2::read::GzDecoder;
use ndarray::{Axis, s};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Trains a 784-n autoencoder on 5,000 MNIST digits and draws what it learned.
#[derive(Parser, Debug)]
struct Args {
    /// Folder for the pictures (created if needed).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/pictures/mnist"))]
    out: PathBuf,
    /// Training epochs.
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    /// Hidden units (the filter picture suits a square number).
    #[arg(long, default_value_t = 64)]
    hidden: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 0.005)]
    learning_rate: f64,
    /// Rows per mini-batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// L2 weight decay on W.
    #[arg(long, default_value_t = 1e-5)]
    weight_decay: f64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist_5k.csv.gz");
    let start = Instant::now();
    let table = CsvOptions::new().read::<f32, _>(GzDecoder::new(File::open(path)?))?;
    let pixels = table.data.slice(s![.., ..784]).mapv(|v| v / 255.0);
    let labels: Vec<usize> = table.data.column(784).iter().map(|&l| l as usize).collect();
    println!(
        "read {} rows in {:.1} s",
        pixels.nrows(),
        start.elapsed().as_secs_f64()
    );

    let mut order: Vec<usize> = (0..pixels.nrows()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(0));
    let (held_out, train) = order.split_at(pixels.nrows() / 5);
    let (x_train, x_val) = (
        pixels.select(Axis(0), train),
        pixels.select(Axis(0), held_out),
    );

    let config = TrainConfig::new()
        .optimizer(Optimizer::adam())
        .learning_rate(args.learning_rate)
        .weight_decay(args.weight_decay)
        .batch_size(args.batch_size)
        .epochs(args.epochs)
        .loss(Loss::BinaryCrossEntropy)
        .seed(1);
    let mut model = VanillaAutoencoder::<f32>::new(784, args.hidden, 42)?;
    let start = Instant::now();
    let report = model.fit_with_validation(&x_train, &x_val, &config, &mut ())?;
    let widen = |losses: &[f32]| losses.iter().map(|&l| f64::from(l)).collect::<Vec<_>>();
    let training = widen(report.epoch_losses());
    let validation = widen(report.validation_losses().unwrap_or(&[]));
    println!(
        "{} training rows, {} epochs in {:.1} s: training loss {:.4} -> {:.4}, validation loss {:.4}",
        x_train.nrows(),
        report.epochs_run(),
        start.elapsed().as_secs_f64(),
        training[0],
        training[training.len() - 1],
        validation.last().copied().unwrap_or(f64::NAN),
    );

    std::fs::create_dir_all(&args.out)?;
    let held_labels: Vec<usize> = held_out.iter().map(|&i| labels[i]).collect();
    let shown = draw::one_of_each_digit(&held_labels, 2);
    let originals = x_val.select(Axis(0), &shown);
    let reconstructed = model.reconstruct(&originals)?.mapv(f64::from);
    let title = format!(
        "784-{} MNIST, BCE: training and validation loss",
        args.hidden
    );
    draw::loss_curves(&args.out.join("loss.png"), &title, &training, &validation)?;
    let originals = originals.mapv(f64::from);
    draw::reconstructions(
        &args.out.join("reconstructions.png"),
        &originals,
        &reconstructed,
        28,
        3,
        10,
    )?;
    draw::filters(
        &args.out.join("filters.png"),
        &model.w().mapv(f64::from),
        28,
        2,
    )?;
    println!("pictures in {}", args.out.display());
    Ok(())
}
