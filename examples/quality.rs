//! The crate's side of the quality comparison (`quality/README.md`): reads the split files that
//! `quality/splits.py` wrote, runs the automatic model choice on every reconstruction split and
//! the anomaly detector on every anomaly split, and writes `quality/work/crate.json` (records
//! keyed as `peers.json`'s), for `quality/report.py` to set beside the peers.
//!
//! Run with `cargo run --release --example quality [-- --skip recon|anomaly] [--budget SECONDS]
//! [--float f64|f32] [--only DATASET,…] [--out FILE]` (FILE in `quality/work/`; `--help` says
//! more) after `quality/.venv/bin/python quality/splits.py`.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use autoencoder::{
    AnomalyDetector, AutoConfig, AutoReport, Float, Pca, Scoring, Threshold, fit_auto, roc_auc,
};
use clap::Parser;
use ndarray::{Array1, Array2, s};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// A headerless CSV file of numbers.
fn read_matrix(path: &Path) -> BoxResult<Array2<f64>> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::parse).collect::<Result<_, _>>())
        .collect::<Result<_, _>>()?;
    let d = rows.first().map_or(0, Vec::len);
    let flat: Vec<f64> = rows.into_iter().flatten().collect();
    Ok(Array2::from_shape_vec((flat.len() / d.max(1), d), flat)?)
}

/// Writes `m` as a headerless CSV file.
fn write_matrix(path: &Path, m: &Array2<f64>) -> BoxResult<()> {
    let mut text = String::new();
    for row in m.rows() {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn mean(v: &Array1<f64>) -> f64 {
    v.mean().unwrap_or(f64::NAN)
}

/// The automatic choice trained in `F` on `train`: its test MSE, report and seconds.
fn auto_in<F: Float>(
    train: &Array2<f64>,
    test: &Array2<f64>,
    config: &AutoConfig,
) -> BoxResult<(f64, AutoReport, f64)> {
    let (train, test) = (train.mapv(F::cast), test.mapv(F::cast));
    let start = Instant::now();
    let (model, report) = fit_auto(&train, config)?;
    let seconds = start.elapsed().as_secs_f64();
    let mse = mean(&model.reconstruction_errors(test.view())?.mapv(F::as_f64));
    Ok((mse, report, seconds))
}

/// Test MSE of the automatic choice (trained in `float`: "f64" or "f32") and of PCA at every
/// code size of every data set (of those named in `only`, if any).
fn reconstruction(
    manifest: &Value,
    dir: &Path,
    auto: &dyn Fn(usize) -> AutoConfig,
    float: &str,
    only: Option<&str>,
) -> BoxResult<Vec<Value>> {
    let mut records = Vec::new();
    for entry in manifest["reconstruction"]
        .as_array()
        .ok_or("no reconstruction")?
    {
        let dataset = entry["dataset"].as_str().ok_or("no dataset")?;
        if only.is_some_and(|o| !o.split(',').any(|name| name == dataset)) {
            continue;
        }
        let train = read_matrix(&dir.join(entry["train"].as_str().ok_or("no train")?))?;
        let test = read_matrix(&dir.join(entry["test"].as_str().ok_or("no test")?))?;
        for k in entry["k"].as_array().ok_or("no k")? {
            let k = k.as_u64().ok_or("k")? as usize;
            let pca = Pca::fit(&train, k)?;
            let pca_mse = mean(&pca.reconstruction_errors(&test)?);
            let config = auto(k);
            let (mse, report, seconds) = match float {
                "f32" => auto_in::<f32>(&train, &test, &config)?,
                _ => auto_in::<f64>(&train, &test, &config)?,
            };
            let candidates: Vec<Value> = report
                .candidates
                .iter()
                .map(|c| {
                    json!({"candidate": c.candidate.name(), "layer_sizes": c.layer_sizes,
                           "validation_loss": c.validation_loss, "iterations": c.iterations,
                           "seconds": c.seconds})
                })
                .collect();
            println!(
                "{dataset:>9} k={k:>2} {float}: auto {:>8.3}e-3 ({}, {seconds:.2} s)  PCA {:>8.3}e-3  ratio {:.3}",
                mse * 1e3,
                report.chosen.name(),
                pca_mse * 1e3,
                mse / pca_mse
            );
            records.push(json!({"task": "reconstruction", "dataset": dataset, "k": k,
                "model": "crate_auto", "float": float, "chosen": report.chosen.name(), "test_mse": mse,
                "pca_test_mse": pca_mse, "fit_seconds": seconds, "candidates": candidates}));
        }
    }
    Ok(records)
}

/// ROC AUC of the crate's detector scores on every anomaly split; with `codes`, each split's
/// training and test codes and reconstructions are written there too.
fn anomaly(
    manifest: &Value,
    dir: &Path,
    auto: &dyn Fn(usize) -> AutoConfig,
    codes: Option<&Path>,
) -> BoxResult<Vec<Value>> {
    let mut records = Vec::new();
    for case in manifest["anomaly"]["cases"].as_array().ok_or("no cases")? {
        let name = case["case"].as_str().ok_or("case")?;
        for file in case["files"].as_array().ok_or("files")? {
            let train = read_matrix(&dir.join(file["train"].as_str().ok_or("train")?))?;
            let test = read_matrix(&dir.join(file["test"].as_str().ok_or("test")?))?;
            let d = train.ncols();
            let (x, labels) = (test.slice(s![.., ..d]), test.column(d));
            let labels: Vec<bool> = labels.iter().map(|&l| l > 0.5).collect();
            // The command-line tool's default code size: the principal components that keep
            // 90 % of the variance, at most half the inputs.
            let variances = Pca::fit(&train, 1)?.variances().to_vec();
            let total: f64 = variances.iter().sum();
            let mut kept = 0.0;
            let k = variances
                .iter()
                .position(|v| {
                    kept += v;
                    kept >= 0.9 * total
                })
                .map_or(d, |i| i + 1)
                .min(d.div_ceil(2));
            let start = Instant::now();
            let (model, _) = fit_auto(&train, &auto(k))?;
            let seconds = start.elapsed().as_secs_f64();
            if let Some(codes) = codes {
                let stem = format!("{name}_seed{}", file["seed"]);
                for (part, rows) in [("train", train.view()), ("test", x)] {
                    let path = |what: &str| codes.join(format!("{stem}_{part}_{what}.csv"));
                    write_matrix(&path("codes"), &model.encode(rows)?)?;
                    write_matrix(&path("reconstructions"), &model.reconstruct(rows)?)?;
                }
            }
            // The library's detector with each scoring, over the same model.
            let rule = Threshold::Contamination(0.05);
            for (variant, scoring) in [
                ("crate_detector", Scoring::Reconstruction),
                ("crate_neighbours", Scoring::code_neighbours()),
            ] {
                let detector =
                    AnomalyDetector::fit_with_scoring(model.clone_box(), &train, rule, scoring)?;
                let auc = roc_auc(&detector.scores(&x)?, &labels)?;
                records.push(
                    json!({"task": "anomaly", "case": name, "group": case["group"],
                    "digit": case["digit"], "seed": file["seed"], "model": variant,
                    "roc_auc": auc, "fit_seconds": seconds}),
                );
            }
        }
        let aucs: Vec<f64> = records
            .iter()
            .filter(|r| r["case"] == name)
            .filter_map(|r| r["roc_auc"].as_f64())
            .collect();
        let mean = |parity: usize| {
            let picked: Vec<f64> = aucs.iter().skip(parity).step_by(2).copied().collect();
            picked.iter().sum::<f64>() / picked.len() as f64
        };
        println!(
            "{name:>18}: AUC {:.4} (reconstruction), {:.4} (code neighbours)",
            mean(0),
            mean(1)
        );
    }
    Ok(records)
}

/// The crate's side of the quality comparison.
#[derive(Parser, Debug)]
struct Args {
    /// Parts to skip: `recon`, `anomaly` (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = ["recon", "anomaly"])]
    skip: Vec<String>,
    /// Seconds each `fit_auto` call may take (its default: 120).
    #[arg(long, default_value_t = 120.0)]
    budget: f64,
    /// Float type of the reconstruction runs.
    #[arg(long, default_value = "f64", value_parser = ["f64", "f32"])]
    float: String,
    /// Only these data sets' reconstruction runs (comma-separated: wisconsin, digits, mnist).
    #[arg(long)]
    only: Option<String>,
    /// File name of the records, in the folder of the splits.
    #[arg(long, default_value = "crate.json")]
    out: String,
    /// Folder of the splits' `manifest.json` (`quality/dev` for `quality/dev_splits.py`'s).
    #[arg(long, default_value = "quality/work")]
    dir: PathBuf,
    /// `fit_auto` without its refit on every row (`AutoConfig::refit(false)`).
    #[arg(long)]
    no_refit: bool,
    /// Curvature pairs of `fit_auto`'s L-BFGS (`AutoConfig::lbfgs_history`; its default: 10).
    #[arg(long, default_value_t = 10)]
    lbfgs_history: usize,
    /// Also write every anomaly split's training and test codes and reconstructions into
    /// this folder (for `quality/anomaly_scores.py`).
    #[arg(long)]
    codes: Option<PathBuf>,
}

fn main() -> BoxResult<()> {
    let args = Args::parse();
    let skip = |part: &str| args.skip.iter().any(|p| p == part);
    let budget = Duration::try_from_secs_f64(args.budget)
        .map_err(|e| format!("--budget {}: {e}", args.budget))?;
    let float = args.float.as_str();
    let dir = &args.dir;
    let path = dir.join("manifest.json");
    let manifest: Value = serde_json::from_str(
        &fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (run quality/splits.py)", path.display()))?,
    )?;
    let auto = |k| {
        AutoConfig::new(k)
            .time_budget(budget)
            .refit(!args.no_refit)
            .lbfgs_history(args.lbfgs_history)
    };
    let mut records = Vec::new();
    if !skip("recon") {
        records.extend(reconstruction(
            &manifest,
            dir,
            &auto,
            float,
            args.only.as_deref(),
        )?);
    }
    if !skip("anomaly") {
        if let Some(codes) = &args.codes {
            fs::create_dir_all(codes).map_err(|e| format!("{}: {e}", codes.display()))?;
        }
        records.extend(anomaly(&manifest, dir, &auto, args.codes.as_deref())?);
    }
    let out = dir.join(&args.out);
    fs::write(&out, serde_json::to_string_pretty(&records)?)?;
    println!("wrote {}", out.display());
    Ok(())
}
