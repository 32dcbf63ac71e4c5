//! A command line that trains an autoencoder on any numeric CSV file, saves it as JSON and, on
//! request, writes each row's anomaly score (reconstruction error) to a CSV file.
//!
//! ```sh
//! cargo run --release --features serde --example train -- --help
//! # The Wisconsin file: no header, `?` for missing, features in columns 1 to 9 (0-based).
//! cargo run --release --features serde --example train -- data/breast-cancer-wisconsin.csv \
//!     --columns 1-9 --na '?' --missing drop --hidden 5 --epochs 100 --scores target/scores.csv
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use autoencoder::{
    Activation, Column, Control, CsvOptions, EpochStats, FitReport, Identity, Loss, MinMaxScaler,
    Missing, Observer, Sigmoid, StandardScaler, TrainConfig, VanillaAutoencoder,
};
use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;

/// Trains a tied-weight autoencoder on the numeric columns of a CSV file.
///
/// The model has a sigmoid encoder; its output is a sigmoid, except after `--scaling standard`,
/// where it is the identity (standardised data is not confined to (0, 1)).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The CSV file to train on.
    input: PathBuf,

    /// Columns to use, comma-separated: 0-based indices, inclusive ranges such as `1-9`, or names
    /// from the header (with --header). Default: every column.
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// The first row is a header naming the columns.
    #[arg(long)]
    header: bool,
    /// Field delimiter (one ASCII character; `\t` for tab).
    #[arg(long, default_value = ",")]
    delimiter: String,
    /// A field text meaning "missing", besides the empty field; repeat for several (`--na ?`).
    #[arg(long = "na", value_name = "TOKEN")]
    na: Vec<String>,
    /// What to do with a row that has a missing value.
    #[arg(long, value_enum, default_value_t = MissingPolicy::Fail)]
    missing: MissingPolicy,
    /// How to scale each column before training.
    #[arg(long, value_enum, default_value_t = Scaling::Minmax)]
    scaling: Scaling,

    /// Hidden units.
    #[arg(long, default_value_t = 5)]
    hidden: usize,
    /// Training epochs.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Rows per mini-batch.
    #[arg(long, default_value_t = 1)]
    batch_size: usize,
    /// SGD learning rate.
    #[arg(long, default_value_t = 0.1)]
    learning_rate: f64,
    /// SGD momentum, in [0, 1).
    #[arg(long, default_value_t = 0.9)]
    momentum: f64,
    /// Loss: mean squared error, or binary cross-entropy (needs data in [0, 1] and a sigmoid
    /// output, so not with `--scaling standard`).
    #[arg(long, value_enum, default_value_t = LossArg::Mse)]
    loss: LossArg,
    /// Seed of the initial weights and of the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Hold out this fraction of the rows, in (0, 1), and report the validation loss.
    #[arg(long)]
    validation_fraction: Option<f64>,
    /// Stop after this many epochs without improvement of the monitored loss (the validation
    /// loss with --validation-fraction, else the training loss), keeping the best parameters.
    #[arg(long)]
    patience: Option<usize>,
    /// Show progress every this many epochs on a line of its own instead of a progress bar.
    #[arg(long)]
    log_every: Option<usize>,

    /// Where to save the trained model (JSON); the scaler goes beside it as `<name>.scaler.json`.
    #[arg(long, default_value = "target/train/model.json")]
    model: PathBuf,
    /// Write each row's anomaly score (mean squared reconstruction error, in scaled units) to
    /// this CSV file, with the row's line in the input.
    #[arg(long, value_name = "PATH")]
    scores: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MissingPolicy {
    /// Stop with an error naming the line and column.
    Fail,
    /// Leave the row out.
    Drop,
    /// Fill in the column's mean.
    Mean,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Scaling {
    /// Each column to [0, 1].
    Minmax,
    /// Each column to zero mean and unit variance.
    Standard,
    /// Use the values as they are.
    None,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LossArg {
    /// Mean squared error.
    Mse,
    /// Binary cross-entropy.
    Bce,
}

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> BoxResult<()> {
    let options = csv_options(&args)?;
    let table = options.read_path::<f64>(&args.input)?;
    println!(
        "{}: {} rows x {} columns ({})",
        args.input.display(),
        table.data.nrows(),
        table.data.ncols(),
        if table.names.len() <= 12 {
            table.names.join(", ")
        } else {
            format!(
                "{}, ..., {}",
                table.names[..10].join(", "),
                table.names[table.names.len() - 1]
            )
        }
    );

    let (x, scaler) = match args.scaling {
        Scaling::Minmax => {
            let (s, x) = MinMaxScaler::fit_transform(&table.data)?;
            let json = serde_json::json!({ "scaling": "minmax", "min": s.data_min().to_vec(), "max": s.data_max().to_vec() });
            (x, Some(json))
        }
        Scaling::Standard => {
            let (s, x) = StandardScaler::fit_transform(&table.data)?;
            let json = serde_json::json!({ "scaling": "standard", "mean": s.mean().to_vec(), "std": s.std().to_vec() });
            (x, Some(json))
        }
        Scaling::None => (table.data.clone(), None),
    };

    let mut config = TrainConfig::new()
        .learning_rate(args.learning_rate)
        .momentum(args.momentum)
        .epochs(args.epochs)
        .batch_size(args.batch_size)
        .loss(match args.loss {
            LossArg::Mse => Loss::Mse,
            LossArg::Bce => Loss::BinaryCrossEntropy,
        })
        .seed(args.seed);
    if let Some(fraction) = args.validation_fraction {
        config = config.validation_fraction(fraction);
    }
    if let Some(patience) = args.patience {
        config = config.early_stopping(patience, 0.0);
    }

    let scores = if args.scaling == Scaling::Standard {
        train::<Identity>(&args, &x, &config)?
    } else {
        train::<Sigmoid>(&args, &x, &config)?
    };

    if let Some(json) = scaler {
        let path = args.model.with_extension("scaler.json");
        std::fs::write(&path, format!("{json}\n"))?;
        println!("scaler saved to {}", path.display());
    }
    if let Some(path) = &args.scores {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(out, "line,score")?;
        for (line, score) in table.lines.iter().zip(&scores) {
            writeln!(out, "{line},{score}")?;
        }
        out.flush()?;
        println!(
            "{} anomaly scores written to {}",
            scores.len(),
            path.display()
        );
    }
    Ok(())
}

/// Trains a model with output activation `O`, saves it and returns each row's score.
fn train<O: Activation>(args: &Args, x: &Array2<f64>, config: &TrainConfig) -> BoxResult<Vec<f64>> {
    let mut model = VanillaAutoencoder::<f64, Sigmoid, O>::new(x.ncols(), args.hidden, args.seed)?;
    let mut progress = Progress::new(args.epochs, args.log_every);
    let report = model.fit_with_observer(x, config, &mut progress)?;
    let validation = report.validation_losses().and_then(|v| v.last().copied());
    println!(
        "{} epochs ({:?}) in {:.2} s: loss {:.6} -> {:.6}{}",
        report.epochs_run(),
        report.stop_reason(),
        report.elapsed().as_secs_f64(),
        report.epoch_losses()[0],
        report.final_loss(),
        validation.map_or(String::new(), |v| format!(", validation loss {v:.6}")),
    );
    if let Some(dir) = args.model.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    model.save_json(&args.model)?;
    println!(
        "model {}-{}-{} ({} output) saved to {}",
        model.n_inputs(),
        model.n_hidden(),
        model.n_inputs(),
        O::NAME,
        args.model.display()
    );
    Ok(model.reconstruction_errors(x)?.to_vec())
}

/// The reader's options from the command line.
fn csv_options(args: &Args) -> BoxResult<CsvOptions> {
    let delimiter = match args.delimiter.as_str() {
        "\\t" | "tab" => b'\t',
        d if d.len() == 1 => d.as_bytes()[0],
        d => return Err(format!("--delimiter must be one ASCII character, got {d:?}").into()),
    };
    let mut options = CsvOptions::new()
        .has_header(args.header)
        .delimiter(delimiter)
        .missing_tokens(args.na.iter().cloned())
        .missing(match args.missing {
            MissingPolicy::Fail => Missing::Fail,
            MissingPolicy::Drop => Missing::Drop,
            MissingPolicy::Mean => Missing::Mean,
        });
    if !args.columns.is_empty() {
        let mut columns = Vec::new();
        for item in &args.columns {
            columns.extend(parse_columns(item.trim()));
        }
        options = options.columns(columns);
    }
    Ok(options)
}

/// `3` → index 3; `1-9` → indices 1 to 9; anything else → a column name.
fn parse_columns(item: &str) -> Vec<Column> {
    if let Ok(index) = item.parse::<usize>() {
        return vec![Column::Index(index)];
    }
    if let Some((a, b)) = item.split_once('-')
        && let (Ok(a), Ok(b)) = (a.trim().parse::<usize>(), b.trim().parse::<usize>())
        && a <= b
    {
        return (a..=b).map(Column::Index).collect();
    }
    vec![Column::Name(item.to_string())]
}

/// A progress bar, or one line every `n` epochs.
struct Progress {
    bar: Option<ProgressBar>,
    every: usize,
}

impl Progress {
    fn new(epochs: usize, log_every: Option<usize>) -> Self {
        let bar = log_every.is_none().then(|| {
            let bar = ProgressBar::new(epochs as u64);
            // The template is a constant and valid; fall back to the default style regardless.
            let style = ProgressStyle::with_template("{bar:30} {pos:>4}/{len} epochs  {msg}");
            bar.set_style(style.unwrap_or_else(|_| ProgressStyle::default_bar()));
            bar
        });
        Self {
            bar,
            every: log_every.unwrap_or(1).max(1),
        }
    }
}

impl Observer<f64> for Progress {
    fn on_epoch_end(&mut self, stats: &EpochStats<f64>) -> Control {
        let validation = stats
            .validation_loss
            .map_or(String::new(), |v| format!("  validation {v:.6}"));
        match &self.bar {
            Some(bar) => {
                bar.set_position(stats.epoch as u64 + 1);
                bar.set_message(format!("loss {:.6}{validation}", stats.loss));
            }
            None if stats.epoch.is_multiple_of(self.every) => {
                println!(
                    "epoch {:>5}  loss {:.6}{validation}",
                    stats.epoch + 1,
                    stats.loss
                );
            }
            None => {}
        }
        Control::Continue
    }

    fn on_finish(&mut self, _report: &FitReport<f64>) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
