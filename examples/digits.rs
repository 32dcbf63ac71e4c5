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
    let shown = one_of_each_digit(&held_labels, 2);
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

/// Row indices of `sets` examples of each digit 0..9, ordered 0..9, 0..9, ...
pub fn one_of_each_digit(labels: &[usize], sets: usize) -> Vec<usize> {
    let mut shown = Vec::new();
    for set in 0..sets {
        for digit in 0..10 {
            if let Some(i) = labels
                .iter()
                .enumerate()
                .filter(|(_, l)| **l == digit)
                .nth(set)
            {
                shown.push(i.0);
            }
        }
    }
    shown
}

/// Pictures with plotters' pure-Rust bitmap backend and the DejaVu Sans font shipped in
/// `assets/`, shared with `examples/mnist.rs`.
pub mod draw {
    use std::path::Path;

    use ndarray::{Array2, ArrayView1};
    use plotters::prelude::*;

    type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

    const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

    /// Registers the shipped font as `sans-serif` (idempotent).
    pub fn register_font() -> Result<()> {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| "assets/DejaVuSans.ttf is not a usable font")?;
        Ok(())
    }

    /// Training and (if any) validation loss per epoch.
    pub fn loss_curves(
        path: &Path,
        title: &str,
        training: &[f64],
        validation: &[f64],
    ) -> Result<()> {
        register_font()?;
        let root = BitMapBackend::new(path, (800, 500)).into_drawing_area();
        root.fill(&WHITE)?;
        let all = training
            .iter()
            .chain(validation)
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0);
        let (lo, hi) = all.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let (lo, hi) = if lo < hi {
            (lo * 0.9, hi * 1.1)
        } else {
            (0.01, 1.0)
        };
        let epochs = training.len().max(2) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(1.0..epochs, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.3}"))
            .max_light_lines(2)
            .label_style(("sans-serif", 15))
            .draw()?;
        for (losses, name, color) in [
            (training, "training", BLUE),
            (validation, "validation", RED),
        ] {
            if losses.is_empty() {
                continue;
            }
            let points = losses.iter().enumerate().map(|(e, &l)| ((e + 1) as f64, l));
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 25, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 16))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    }

    /// Originals above their reconstructions: pairs of tile rows, `per_row` tiles each; values
    /// in [0, 1] drawn as grey levels (0 black, 1 white).
    pub fn reconstructions(
        path: &Path,
        originals: &Array2<f64>,
        reconstructed: &Array2<f64>,
        side: usize,
        scale: u32,
        per_row: usize,
    ) -> Result<()> {
        let mut tiles = Vec::new();
        let mut labels = Vec::new();
        for start in (0..originals.nrows()).step_by(per_row) {
            let end = (start + per_row).min(originals.nrows());
            tiles.extend((start..end).map(|i| originals.row(i)));
            tiles.extend((end..start + per_row).map(|_| ArrayView1::from(&[][..])));
            tiles.extend((start..end).map(|i| reconstructed.row(i)));
            tiles.extend((end..start + per_row).map(|_| ArrayView1::from(&[][..])));
            labels.extend(["original", "reconstructed"]);
        }
        tile_grid(
            path,
            "held-out digits (upper) and their reconstructions (lower)",
            &tiles,
            &labels,
            side,
            scale,
            per_row,
        )
    }

    /// Each row of `w` as a `side` x `side` tile, min-max normalised on its own.
    pub fn filters(path: &Path, w: &Array2<f64>, side: usize, scale: u32) -> Result<()> {
        let normalised: Vec<Vec<f64>> = w
            .rows()
            .into_iter()
            .map(|row| {
                let lo = row.fold(f64::INFINITY, |a, &b| a.min(b));
                let hi = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                row.iter()
                    .map(|&v| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 })
                    .collect()
            })
            .collect();
        let tiles: Vec<ArrayView1<f64>> = normalised
            .iter()
            .map(|t| ArrayView1::from(t.as_slice()))
            .collect();
        let per_row = (w.nrows() as f64).sqrt().ceil() as usize;
        let title = format!(
            "the {} rows of W (filters), each scaled to its own range",
            w.nrows()
        );
        tile_grid(path, &title, &tiles, &[], side, scale, per_row.max(1))
    }

    /// Draws `tiles` (each `side * side` values in [0, 1], row-major; empty ones are skipped) in
    /// rows of `per_row`, each pixel a `scale` x `scale` square, with a label left of each row.
    fn tile_grid(
        path: &Path,
        title: &str,
        tiles: &[ArrayView1<f64>],
        row_labels: &[&str],
        side: usize,
        scale: u32,
        per_row: usize,
    ) -> Result<()> {
        register_font()?;
        let (gap, top) = (6u32, 40u32);
        let left = if row_labels.is_empty() { gap } else { 130 };
        let tile = side as u32 * scale;
        let rows = tiles.len().div_ceil(per_row) as u32;
        let width = (left + per_row as u32 * (tile + gap)).max(560);
        let height = top + rows * (tile + gap) + gap;
        let root = BitMapBackend::new(path, (width, height)).into_drawing_area();
        root.fill(&RGBColor(235, 235, 235))?;
        root.draw_text(
            title,
            &("sans-serif", 18).into_font().color(&BLACK),
            (gap as i32, 10),
        )?;
        for (r, label) in row_labels.iter().enumerate() {
            let y = (top + r as u32 * (tile + gap) + tile / 2) as i32 - 8;
            root.draw_text(label, &("sans-serif", 16).into_font().color(&BLACK), (8, y))?;
        }
        for (k, values) in tiles
            .iter()
            .enumerate()
            .filter(|(_, t)| t.len() == side * side)
        {
            let x0 = left + (k % per_row) as u32 * (tile + gap);
            let y0 = top + (k / per_row) as u32 * (tile + gap);
            for (p, &v) in values.iter().enumerate() {
                let grey = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                let x = (x0 + (p % side) as u32 * scale) as i32;
                let y = (y0 + (p / side) as u32 * scale) as i32;
                let square = [(x, y), (x + scale as i32, y + scale as i32)];
                root.draw(&Rectangle::new(square, RGBColor(grey, grey, grey).filled()))?;
            }
        }
        root.present()?;
        Ok(())
    }
}
