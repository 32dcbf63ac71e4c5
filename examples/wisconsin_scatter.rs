//! A 9-2 autoencoder on the Wisconsin breast cancer data: the 2-unit code of every sample drawn
//! as a scatter plot, coloured by class (`wisconsin_codes.png`). The labels are not used in
//! training; the plot shows how far the code separates the classes anyway.
//!
//! The axes are the code units' pre-activations `A1 = X Wᵀ + b1` (the logits of the sigmoid
//! codes `Y`): the sigmoid squeezes the codes of clear cases against 0 and 1, where they would
//! hide each other.
//!
//! ```sh
//! cargo run --release --example wisconsin_scatter               # writes to target/pictures/
//! cargo run --release --example wisconsin_scatter -- --out /tmp
//! ```

use std::path::PathBuf;

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{Loss, Optimizer, TrainConfig, VanillaAutoencoder};
use clap::Parser;
use plotters::prelude::*;

/// Trains a 9-2 autoencoder on the Wisconsin data and plots the codes.
#[derive(Parser, Debug)]
struct Args {
    /// Folder for the picture (created if needed).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/pictures"))]
    out: PathBuf,
    /// Training epochs.
    #[arg(long, default_value_t = 300)]
    epochs: usize,
    /// L2 weight decay on W.
    #[arg(long, default_value_t = 1e-3)]
    weight_decay: f64,
}

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let data = breast_cancer_wisconsin();
    let mut model = VanillaAutoencoder::<f64>::new(9, 2, 42)?;
    let config = TrainConfig::new()
        .optimizer(Optimizer::adam())
        .learning_rate(0.01)
        .weight_decay(args.weight_decay)
        .batch_size(16)
        .epochs(args.epochs)
        .loss(Loss::BinaryCrossEntropy)
        .seed(1);
    let report = model.fit(&data.features, &config)?;
    println!(
        "9-2 on {} rows, {} epochs: loss {:.4} -> {:.4}",
        data.features.nrows(),
        report.epochs_run(),
        report.epoch_losses()[0],
        report.final_loss()
    );
    let logits = data.features.dot(&model.w().t()) + model.b1();
    let range = |j: usize| {
        let column = logits.column(j);
        let lo = column.fold(f64::INFINITY, |a, &b| a.min(b));
        let hi = column.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let pad = 0.05 * (hi - lo).max(1e-9);
        (lo - pad)..(hi + pad)
    };

    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "assets/DejaVuSans.ttf is not a usable font")?;
    std::fs::create_dir_all(&args.out)?;
    let path = args.out.join("wisconsin_codes.png");
    let root = BitMapBackend::new(&path, (700, 650)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Wisconsin breast cancer: 2-unit codes of a 9-2 autoencoder",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(range(0), range(1))?;
    chart
        .configure_mesh()
        .x_desc("code unit 1, pre-activation")
        .y_desc("code unit 2, pre-activation")
        .label_style(("sans-serif", 14))
        .max_light_lines(1)
        .draw()?;
    let malignant = data.malignant.iter().filter(|&&m| m).count();
    for (want, name, color) in [
        (
            false,
            format!("benign ({})", data.malignant.len() - malignant),
            BLUE,
        ),
        (true, format!("malignant ({malignant})"), RED),
    ] {
        let points = logits
            .rows()
            .into_iter()
            .zip(&data.malignant)
            .filter(|&(_, &m)| m == want)
            .map(|(c, _)| Circle::new((c[0], c[1]), 3, color.mix(0.5).filled()));
        chart
            .draw_series(points)?
            .label(name)
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    println!("picture in {}", path.display());
    Ok(())
}
