//! The `autoencoder` command-line tool (feature `cli`): train on a CSV file, save one deployment
//! file, then encode, reconstruct and score new files with it.
//!
//! ```sh
//! autoencoder fit data.csv -o model.json --header
//! autoencoder score model.json new.csv -o scores.csv
//! ```
//!
//! One file for the whole tool: its arguments, its five subcommands and their output.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use autoencoder::{
    AnomalyDetector, AutoConfig, Autoencoder, Column, Control, CsvOptions, EpochStats, FitReport,
    Float, Loss, MinMaxScaler, Missing, Observer, Optimizer, Pca, Pipeline, Scaler, Scoring,
    StandardScaler, Table, Threshold, TrainConfig, fit_auto, new_stacked, new_vanilla,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;

/// Autoencoders for tabular data: dimensionality reduction, reconstruction and anomaly scores.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train on a CSV file and save the deployment file (reading options, scaler, model,
    /// anomaly threshold).
    Fit(Box<FitArgs>),
    /// Write the code of each row: `code_0,…,code_{K-1}`.
    Encode(ApplyArgs),
    /// Write each row's reconstruction, in the input's original units.
    Reconstruct(ApplyArgs),
    /// Write each row's anomaly score and label: `score,anomaly` (1 above the stored threshold).
    Score(ApplyArgs),
    /// Describe a deployment file.
    Info {
        /// The deployment file written by `fit`.
        model: PathBuf,
    },
}

#[derive(Args, Debug)]
struct FitArgs {
    /// The training data: comma-separated numbers, one sample per row.
    data: PathBuf,
    /// Where to write the deployment file.
    #[arg(short, long)]
    output: PathBuf,
    /// The first row names the columns.
    #[arg(long)]
    header: bool,
    /// Columns to use, comma-separated: 0-based indices, inclusive ranges (`1-9`) or header
    /// names. Default: every column.
    #[arg(long, value_delimiter = ',', value_name = "SPEC")]
    columns: Vec<String>,
    /// A field text that means "missing", besides the empty field; repeat for several.
    #[arg(long = "na", value_name = "TOKEN")]
    na: Vec<String>,
    /// What to do with a row that has a missing value (`drop` drops it from every output too;
    /// `mean` fills in the column's mean in the training data).
    #[arg(long, value_enum, default_value_t = MissingArg::Fail)]
    missing: MissingArg,
    /// Field delimiter: one ASCII character (`\t` for tab).
    #[arg(long, default_value = ",")]
    delimiter: String,
    /// Lines starting with this ASCII character are comments.
    #[arg(long)]
    comment: Option<char>,

    /// Code units. Default: the smallest size whose principal components keep 90 % of the
    /// variance of the scaled data, at most half the inputs (said on stderr).
    #[arg(long, value_name = "K")]
    code_size: Option<usize>,
    /// How the model is chosen: `auto` trains a few candidates (PCA's linear model, a deep
    /// untied model, single tied and untied layers) by L-BFGS and keeps the best on held-out
    /// rows; `manual` builds the one the options below describe. Default: `manual` when any of
    /// those options is given, else `auto`.
    #[arg(long, value_enum)]
    model: Option<ModelArg>,
    /// `auto`: the most seconds all candidates may take together.
    #[arg(long, default_value_t = 120.0, value_name = "SECONDS")]
    time_budget: f64,
    /// Sizes of the hidden layers between the input and the code, for a deeper (stacked) model,
    /// e.g. `--hidden 32`; none gives one layer. (manual)
    #[arg(long, value_delimiter = ',', value_name = "SIZES")]
    hidden: Vec<usize>,
    /// Hidden-unit activation (manual; default relu).
    #[arg(long, value_enum)]
    activation: Option<ActivationArg>,
    /// Output activation (manual; default identity).
    #[arg(long, value_enum)]
    output_activation: Option<ActivationArg>,
    /// How each column is scaled before training (and when applying the model).
    #[arg(long, value_enum, default_value_t = ScalingArg::Standard)]
    scaling: ScalingArg,
    /// Seed of the initial weights, the validation split and the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Optimiser (manual; default adam).
    #[arg(long, value_enum)]
    optimizer: Option<OptimizerArg>,
    /// Learning rate (manual; default 0.003).
    #[arg(long)]
    learning_rate: Option<f64>,
    /// SGD momentum, in [0, 1) (manual; default 0.9).
    #[arg(long)]
    momentum: Option<f64>,
    /// Rows per mini-batch (manual; default 32).
    #[arg(long)]
    batch_size: Option<usize>,
    /// The most epochs to train; early stopping usually ends sooner (manual; default 300).
    #[arg(long)]
    epochs: Option<usize>,
    /// Fraction of rows held out to monitor training (manual; default 0.1; 0 trains on every
    /// row and watches the training loss) or to compare the candidates (auto; default 0.2).
    #[arg(long)]
    validation_fraction: Option<f64>,
    /// Stop after this many epochs without improvement, keeping the best epoch's model
    /// (manual; default 20).
    #[arg(long)]
    patience: Option<usize>,
    /// Loss to train with; `bce` needs a sigmoid output and min-max scaling (manual; default
    /// mse).
    #[arg(long, value_enum)]
    loss: Option<LossArg>,
    /// Fraction of the training rows to flag as anomalies: sets the threshold.
    #[arg(long, default_value_t = 0.05, conflicts_with = "threshold")]
    contamination: f64,
    /// A fixed anomaly threshold on scores, instead of `--contamination`.
    #[arg(long)]
    threshold: Option<f64>,
    /// What `score` scores rows by: their reconstruction error, or the mean distance of their
    /// code to the nearest training rows' codes (for normal data of several kinds).
    #[arg(long, value_enum, default_value_t = ScoringArg::Reconstruction)]
    scoring: ScoringArg,
    /// How many nearest training codes `--scoring neighbours` averages over (default 5).
    #[arg(long)]
    neighbours: Option<usize>,
    /// Also write the training rows' `score,anomaly` to this CSV file (as `score` would).
    #[arg(long, value_name = "PATH")]
    scores: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct ApplyArgs {
    /// The deployment file written by `fit`.
    model: PathBuf,
    /// Data laid out like the training file.
    data: PathBuf,
    /// Where to write the CSV output; standard output if not given.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MissingArg {
    Fail,
    Drop,
    Mean,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ActivationArg {
    Sigmoid,
    Tanh,
    Identity,
    Relu,
}

impl ActivationArg {
    fn name(self) -> &'static str {
        match self {
            ActivationArg::Sigmoid => "sigmoid",
            ActivationArg::Tanh => "tanh",
            ActivationArg::Identity => "identity",
            ActivationArg::Relu => "relu",
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum ScalingArg {
    Minmax,
    Standard,
    None,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OptimizerArg {
    Adam,
    Sgd,
}

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum ModelArg {
    Auto,
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum ScoringArg {
    Reconstruction,
    Neighbours,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LossArg {
    Mse,
    Bce,
}

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to standard output as clap writes them.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            // One line, like every other error of the tool; `--help` has the rest.
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Fit(args) => fit(&args),
        Command::Encode(args) => apply(&args, Output::Codes),
        Command::Reconstruct(args) => apply(&args, Output::Reconstructions),
        Command::Score(args) => apply(&args, Output::Scores),
        Command::Info { model } => info(&model),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) is not a failure.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fit(args: &FitArgs) -> BoxResult<()> {
    let options = csv_options(args)?;
    let config = train_config(args)?;
    if let Some(t) = args.threshold
        && !t.is_finite()
    {
        return Err(format!("--threshold must be finite, got {t}").into());
    }
    let scoring = match (args.scoring, args.neighbours) {
        (ScoringArg::Reconstruction, None) => Scoring::Reconstruction,
        (ScoringArg::Reconstruction, Some(_)) => {
            return Err("--neighbours needs --scoring neighbours".into());
        }
        (ScoringArg::Neighbours, neighbours) => Scoring::CodeNeighbours {
            neighbours: neighbours.unwrap_or(5),
        },
    };
    if args.neighbours == Some(0) {
        return Err("--neighbours must be at least 1".into());
    }
    if !(args.contamination > 0.0 && args.contamination < 1.0) {
        return Err(format!(
            "--contamination must be in (0, 1), got {}",
            args.contamination
        )
        .into());
    }
    if args.code_size == Some(0) {
        return Err("--code-size must be at least 1".into());
    }
    let table = options.read_path::<f64>(&args.data)?;
    let x_raw = &table.data;
    if x_raw.nrows() < 2 {
        return Err(format!("{}: need at least 2 rows to train", args.data.display()).into());
    }
    let scaler: Option<Scaler<f64>> = match args.scaling {
        ScalingArg::Minmax => Some(MinMaxScaler::fit(x_raw)?.into()),
        ScalingArg::Standard => Some(StandardScaler::fit(x_raw)?.into()),
        ScalingArg::None => None,
    };
    let x = match &scaler {
        Some(s) => s.transform(x_raw)?,
        None => x_raw.clone(),
    };
    let n_inputs = x.ncols();
    // Every principal axis: they choose the code size and give PCA's error at any size.
    let pca = Pca::fit(&x, n_inputs)?;
    let code_size = match args.code_size {
        Some(k) => k,
        None => {
            let k = smallest_code_keeping(pca.variances(), 0.9).min(n_inputs.div_ceil(2));
            eprintln!(
                "code size {k} (the principal components that keep 90 % of the variance, at most half the inputs)"
            );
            k
        }
    };
    let (model, summary_of_training) = match chooses_model(args)? {
        true => choose_model(args, &x, code_size)?,
        false => {
            let mut model = build_model(args, n_inputs, code_size)?;
            let mut progress = Progress::new(args.quiet, config.check_ref()?.epochs());
            let report = model.fit_with_observer(x.view(), &config, &mut progress);
            progress.bar.finish_and_clear();
            let report = report.map_err(|e| match e {
                autoencoder::Error::Diverged { .. } => format!(
                    "{e}; try a smaller --learning-rate (this run: {})",
                    config.check_ref().map_or(0.0, |c| c.learning_rate())
                )
                .into(),
                e => Box::<dyn std::error::Error>::from(e),
            })?;
            (model, manual_summary(&report))
        }
    };
    let rule = match args.threshold {
        Some(t) => Threshold::Fixed(t),
        None => Threshold::Contamination(args.contamination),
    };
    let detector = AnomalyDetector::fit_with_scoring(model, &x, rule, scoring)?;
    let errors = detector.model().reconstruction_errors(x.view())?;
    let mse = errors.mean().unwrap_or(f64::NAN);
    let pca_mse = pca.training_error_with(code_size);
    let names = column_names(&table, args.header);
    // New files are filled with the training data's means, not their own.
    let options = match args.missing {
        MissingArg::Mean => {
            options.fill_values(x_raw.mean_axis(ndarray::Axis(0)).unwrap_or_default())
        }
        _ => options,
    };
    let loss = config.check_ref()?.loss();
    let pipeline = Pipeline::new(options, names, scaler, loss, detector)?;
    pipeline.save_json(&args.output)?;
    if let Some(path) = &args.scores {
        // Read again with the stored options, exactly as `score` reads the file.
        let raw = pipeline.read_path(&args.data)?;
        write_output(&pipeline, &raw.data, Output::Scores, Some(path))?;
    }
    eprintln!(
        "{}",
        summary(&pipeline, &summary_of_training, mse, pca_mse, x.nrows())
    );
    Ok(())
}

/// `fit`'s automatic choice of model (see `autoencoder::fit_auto`), and what it says of it.
fn choose_model(
    args: &FitArgs,
    x: &Array2<f64>,
    code_size: usize,
) -> BoxResult<(Box<dyn Autoencoder<f64>>, String)> {
    if !(args.time_budget.is_finite() && args.time_budget >= 0.0) {
        return Err(format!(
            "--time-budget must be a number of seconds, got {}",
            args.time_budget
        )
        .into());
    }
    let mut config = AutoConfig::new(code_size)
        .seed(args.seed)
        .time_budget(Duration::from_secs_f64(args.time_budget.min(1e9)));
    if let Some(fraction) = args.validation_fraction {
        config = config.validation_fraction(fraction);
    }
    if !args.quiet {
        eprintln!(
            "choosing a model (candidates: linear, deep, untied, tied; at most {} s)",
            args.time_budget
        );
    }
    let (model, report) = fit_auto(x, &config)?;
    let tried: Vec<String> = report
        .candidates
        .iter()
        .map(|c| match c.validation_loss {
            Some(loss) => format!("{} {loss:.6}", c.candidate.name()),
            None => format!("{} skipped", c.candidate.name()),
        })
        .collect();
    let sizes = report
        .candidates
        .iter()
        .find(|c| c.candidate == report.chosen)
        .map_or(String::new(), |c| {
            c.layer_sizes
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("-")
        });
    Ok((
        model,
        format!(
            "auto chose {} {sizes} by validation loss ({})",
            report.chosen.name(),
            tried.join(", ")
        ),
    ))
}

/// What `fit` says of a manual model's training.
fn manual_summary(report: &FitReport<f64>) -> String {
    let validation = report
        .validation_losses()
        .and_then(|v| report.best_epoch().and_then(|b| v.get(b)))
        .map_or(String::new(), |v| format!(", validation loss {v:.6}"));
    format!(
        "{} epochs: training loss {:.6}{validation}",
        report.epochs_run(),
        report.final_loss()
    )
}

/// The one-line summary of `fit`.
fn summary(
    pipeline: &Pipeline<f64>,
    training: &str,
    mse: f64,
    pca_mse: f64,
    n_rows: usize,
) -> String {
    let model = pipeline.model();
    format!(
        "{} {}->{} on {n_rows} rows, {training}; \
         reconstruction MSE {mse:.6} vs PCA({}) {pca_mse:.6}; threshold {:.6}",
        model.kind(),
        model.n_inputs(),
        model.n_code(),
        model.n_code(),
        pipeline.threshold(),
    )
}

/// The smallest code size whose leading principal components keep `fraction` of the variance
/// (decreasing `variances`), at least 1.
fn smallest_code_keeping(variances: &[f64], fraction: f64) -> usize {
    let total: f64 = variances.iter().sum();
    if total <= 0.0 {
        return 1;
    }
    let mut kept = 0.0;
    for (i, v) in variances.iter().enumerate() {
        kept += v;
        if kept >= fraction * total {
            return i + 1;
        }
    }
    variances.len().max(1)
}

fn build_model(
    args: &FitArgs,
    n_inputs: usize,
    code: usize,
) -> BoxResult<Box<dyn Autoencoder<f64>>> {
    let a = args.activation.unwrap_or(ActivationArg::Relu).name();
    let o = args
        .output_activation
        .unwrap_or(ActivationArg::Identity)
        .name();
    Ok(if args.hidden.is_empty() {
        new_vanilla(a, o, n_inputs, code, args.seed)?
    } else {
        let sizes: Vec<usize> = std::iter::once(n_inputs)
            .chain(args.hidden.iter().copied())
            .chain(std::iter::once(code))
            .collect();
        new_stacked(a, o, &sizes, args.seed)?
    })
}

fn train_config(args: &FitArgs) -> BoxResult<TrainConfig> {
    let mut config = TrainConfig::new()
        .learning_rate(args.learning_rate.unwrap_or(0.003))
        .batch_size(args.batch_size.unwrap_or(32))
        .epochs(args.epochs.unwrap_or(300))
        .seed(args.seed)
        .loss(match args.loss.unwrap_or(LossArg::Mse) {
            LossArg::Mse => Loss::Mse,
            LossArg::Bce => Loss::BinaryCrossEntropy,
        })
        .early_stopping(args.patience.unwrap_or(20).max(1), 0.0);
    config = match args.optimizer.unwrap_or(OptimizerArg::Adam) {
        OptimizerArg::Adam => config.optimizer(Optimizer::adam()),
        OptimizerArg::Sgd => config.momentum(args.momentum.unwrap_or(0.9)),
    };
    let fraction = args.validation_fraction.unwrap_or(0.1);
    if fraction > 0.0 {
        config = config.validation_fraction(fraction);
    }
    config.check_ref()?;
    Ok(config)
}

/// Whether `fit` chooses the model itself: `--model`, or no manual model option given.
fn chooses_model(args: &FitArgs) -> BoxResult<bool> {
    let manual_options = [
        ("--hidden", !args.hidden.is_empty()),
        ("--activation", args.activation.is_some()),
        ("--output-activation", args.output_activation.is_some()),
        ("--optimizer", args.optimizer.is_some()),
        ("--learning-rate", args.learning_rate.is_some()),
        ("--momentum", args.momentum.is_some()),
        ("--batch-size", args.batch_size.is_some()),
        ("--epochs", args.epochs.is_some()),
        ("--patience", args.patience.is_some()),
        ("--loss", args.loss.is_some()),
    ];
    let given = manual_options
        .iter()
        .find(|(_, given)| *given)
        .map(|(name, _)| name);
    match (args.model, given) {
        (Some(ModelArg::Auto), Some(name)) => {
            Err(format!("{name} describes a model: it needs --model manual, not auto").into())
        }
        (Some(model), _) => Ok(model == ModelArg::Auto),
        (None, given) => Ok(given.is_none()),
    }
}

fn csv_options(args: &FitArgs) -> BoxResult<CsvOptions> {
    let delimiter = match args.delimiter.as_str() {
        "\\t" => b'\t',
        d if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
        d => return Err(format!("--delimiter must be one ASCII character, got {d:?}").into()),
    };
    let comment = match args.comment {
        None => None,
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => return Err(format!("--comment must be an ASCII character, got {c:?}").into()),
    };
    let mut options = CsvOptions::new()
        .has_header(args.header)
        .delimiter(delimiter)
        .comment(comment)
        .missing_tokens(args.na.iter().cloned())
        .missing(match args.missing {
            MissingArg::Fail => Missing::Fail,
            MissingArg::Drop => Missing::Drop,
            MissingArg::Mean => Missing::Mean,
        });
    if !args.columns.is_empty() {
        options = options.columns(parse_columns(&args.columns)?);
    }
    Ok(options)
}

/// `["0", "2-4", "age"]` → indices 0, 2, 3, 4 and the name `age`.
fn parse_columns(specs: &[String]) -> BoxResult<Vec<Column>> {
    let mut columns = Vec::new();
    for spec in specs {
        let spec = spec.trim();
        if let Ok(i) = spec.parse::<usize>() {
            columns.push(Column::Index(i));
        } else if let Some((a, b)) = spec.split_once('-')
            && let (Ok(a), Ok(b)) = (a.trim().parse::<usize>(), b.trim().parse::<usize>())
        {
            if a > b {
                return Err(format!("column range {spec:?} runs backwards").into());
            }
            // A range can only name columns a file could have; the reader checks them.
            if b - a >= 1 << 20 {
                return Err(format!("column range {spec:?} is too long").into());
            }
            columns.extend((a..=b).map(Column::Index));
        } else if spec.is_empty() {
            return Err("empty column in --columns".into());
        } else {
            columns.push(Column::Name(spec.to_owned()));
        }
    }
    Ok(columns)
}

/// The selected columns' names: the header's, or `x_0, x_1, …` without one.
fn column_names(table: &Table<f64>, header: bool) -> Vec<String> {
    if header {
        table.names.clone()
    } else {
        (0..table.data.ncols()).map(|i| format!("x_{i}")).collect()
    }
}

/// A progress bar over the epochs, on a terminal only.
struct Progress {
    bar: ProgressBar,
}

impl Progress {
    fn new(quiet: bool, epochs: usize) -> Self {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(epochs as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} epoch {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        };
        Self { bar }
    }
}

impl Observer<f64> for Progress {
    fn on_epoch_end(&mut self, stats: &EpochStats<f64>) -> Control {
        self.bar.set_position(stats.epoch as u64 + 1);
        let validation = stats
            .validation_loss
            .map_or(String::new(), |v| format!(", validation {v:.6}"));
        self.bar
            .set_message(format!("loss {:.6}{validation}", stats.loss));
        Control::Continue
    }
}

#[derive(Clone, Copy)]
enum Output {
    Codes,
    Reconstructions,
    Scores,
}

/// Applies a deployment file of either float type.
fn apply(args: &ApplyArgs, output: Output) -> BoxResult<()> {
    match float_of(&args.model)?.as_str() {
        "f32" => apply_with::<f32>(args, output),
        _ => apply_with::<f64>(args, output),
    }
}

fn apply_with<F: Float>(args: &ApplyArgs, output: Output) -> BoxResult<()> {
    let pipeline = Pipeline::<F>::load_json(&args.model)?;
    let table = pipeline.read_path(&args.data)?;
    write_output(&pipeline, &table.data, output, args.output.as_deref())
}

/// Computes `output` for raw rows and writes it as CSV to `path` (standard output if `None`).
fn write_output<F: Float>(
    pipeline: &Pipeline<F>,
    raw: &Array2<F>,
    output: Output,
    path: Option<&Path>,
) -> BoxResult<()> {
    let (header, rows): (Vec<String>, Array2<F>) = match output {
        Output::Codes => {
            let codes = pipeline.encode(raw)?;
            let names = (0..codes.ncols()).map(|i| format!("code_{i}")).collect();
            (names, codes)
        }
        Output::Reconstructions => (pipeline.column_names().to_vec(), pipeline.reconstruct(raw)?),
        Output::Scores => {
            let scores = pipeline.scores(raw)?;
            let mut out = Array2::zeros((scores.len(), 2));
            for (mut row, &s) in out.rows_mut().into_iter().zip(&scores) {
                row[0] = s;
                if pipeline.detector().is_anomaly(s) {
                    row[1] = F::one();
                }
            }
            (vec!["score".into(), "anomaly".into()], out)
        }
    };
    let sink: Box<dyn Write> = match path {
        Some(path) => Box::new(File::create(path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let anomaly_column = matches!(output, Output::Scores);
    write_csv(BufWriter::new(sink), &header, &rows, anomaly_column)?;
    Ok(())
}

/// Writes a header and rows; values exactly (shortest round-trip decimals), the anomaly column as
/// 0 or 1.
fn write_csv<W: Write, F: Float>(
    mut out: W,
    header: &[String],
    rows: &Array2<F>,
    anomaly_column: bool,
) -> std::io::Result<()> {
    writeln!(out, "{}", header.join(","))?;
    for row in rows.rows() {
        for (j, v) in row.iter().enumerate() {
            if j > 0 {
                out.write_all(b",")?;
            }
            if anomaly_column && j == 1 {
                write!(out, "{}", u8::from(*v > F::zero()))?;
            } else {
                write!(out, "{v}")?;
            }
        }
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The `float` field of a deployment file.
fn float_of(path: &Path) -> BoxResult<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        float: String,
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let head: Head = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a deployment file: {e}", path.display()))?;
    Ok(head.float)
}

fn info(path: &Path) -> BoxResult<()> {
    match float_of(path)?.as_str() {
        "f32" => info_with::<f32>(path),
        _ => info_with::<f64>(path),
    }
}

fn info_with<F: Float>(path: &Path) -> BoxResult<()> {
    let pipeline = Pipeline::<F>::load_json(path)?;
    let model = pipeline.model();
    let (a, o) = model.activation_names();
    println!("file:       {}", path.display());
    println!(
        "model:      {} autoencoder, {} inputs -> {} code units ({a} hidden, {o} output), {}",
        model.kind(),
        model.n_inputs(),
        model.n_code(),
        std::any::type_name::<F>()
    );
    println!("columns:    {}", pipeline.column_names().join(","));
    println!(
        "scaling:    {}",
        pipeline.scaler().map_or("none", |s| s.kind())
    );
    println!("loss:       {:?}", pipeline.loss());
    println!("scoring:    {:?}", pipeline.detector().scoring());
    println!(
        "threshold:  {} ({:?})",
        pipeline.threshold(),
        pipeline.threshold_rule()
    );
    Ok(())
}
