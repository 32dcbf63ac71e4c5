//! Training throughput on the benchmark workloads of `BENCHMARKS.md`, one JSON line per run.
//!
//! ```sh
//! cargo run --release --example throughput                       # every workload, f32 and f64
//! cargo run --release --example throughput -- --workload W2 --dtype f32 --reps 5
//! cargo run --release --features threading --example throughput -- --workload W4 --threads 2
//! cargo run --release --example throughput -- --workload W4 --model untied  # V starts as Wᵀ
//! ```
//! Each run trains from the same initial parameters as the Python peers (a port of their
//! generator, checked at start-up), times `fit` `--reps` times after one untimed warm-up, and
//! prints the median samples per second and the last epoch's loss in the peers' convention
//! (`0.5 ‖z − x‖²` per sample), so the losses can be compared with theirs directly.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use std::path::PathBuf;
use std::time::Instant;

use autoencoder::{
    Autoencoder, Float, Loss, Optimizer, TrainConfig, UntiedAutoencoder, VanillaAutoencoder,
};
use clap::Parser;
use ndarray::Array2;
use workloads::{WORKLOADS, Workload};

/// Times `fit` on the benchmark workloads.
#[derive(Parser, Debug)]
struct Args {
    /// Workload (W1, W2, W2b, W3, W4, W4m) or `all`.
    #[arg(long, default_value = "all")]
    workload: String,
    /// `f32`, `f64` or `all`.
    #[arg(long, default_value = "all")]
    dtype: String,
    /// Threads of the rayon pool the fits run in (needs the `threading` feature for more than
    /// one).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// `vanilla` (tied weights) or `untied` (a decoder of its own, starting from `Wᵀ`).
    #[arg(long, default_value = "vanilla")]
    model: String,
    /// Batch size instead of the workload's (a variant, not comparable with the peers).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Optimiser: `sgd` (the workloads') or `adam` (a variant, same learning rate).
    #[arg(long, default_value = "sgd")]
    optimizer: String,
    /// Timed runs after the warm-up; the median is reported.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Folder holding `digits.csv` and `mnist_5k.csv.gz`.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data"))]
    data_dir: PathBuf,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    if args.threads > 1 && !cfg!(feature = "threading") {
        eprintln!("note: built without the `threading` feature, so every fit runs on one thread");
    }
    // The crate trains on the current rayon pool: run everything inside one of this size.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .map_err(|e| e.to_string())?;
    pool.install(|| run_all(&args))
}

fn run_all(args: &Args) -> Result<(), String> {
    workloads::check_generator()?;

    let selected: Vec<Workload> = if args.workload == "all" {
        WORKLOADS.to_vec()
    } else {
        vec![Workload::named(&args.workload).ok_or(format!("unknown workload {}", args.workload))?]
    };
    for workload in selected {
        let x = workload.data(&args.data_dir)?;
        if matches!(args.dtype.as_str(), "f64" | "all") {
            run::<f64>(&workload, &x, args)?;
        }
        if matches!(args.dtype.as_str(), "f32" | "all") {
            run::<f32>(&workload, &x, args)?;
        }
    }
    Ok(())
}

fn run<F: Float>(workload: &Workload, x: &Array2<f64>, args: &Args) -> Result<(), String> {
    let x: Array2<F> = x.mapv(F::cast);
    let (w, b1, b2) = workloads::init_params(workload.n_inputs, workload.n_hidden, workload.seed);
    let (w, b1, b2) = (w.mapv(F::cast), b1.mapv(F::cast), b2.mapv(F::cast));
    let error = |e: autoencoder::Error| e.to_string();
    let initial: Box<dyn Autoencoder<F>> = match args.model.as_str() {
        "vanilla" => Box::new(VanillaAutoencoder::<F>::from_parts(w, b1, b2).map_err(error)?),
        "untied" => {
            let v = w.t().to_owned();
            Box::new(UntiedAutoencoder::<F>::from_parts(w, v, b1, b2).map_err(error)?)
        }
        other => return Err(format!("unknown model {other} (vanilla or untied)")),
    };
    let batch_size = args.batch_size.unwrap_or(workload.batch_size);
    let mut config = TrainConfig::new()
        .learning_rate(workload.crate_learning_rate())
        .momentum(workload.momentum)
        .epochs(workload.epochs)
        .batch_size(batch_size)
        .loss(Loss::Mse)
        .shuffle(false);
    match args.optimizer.as_str() {
        "sgd" => {}
        "adam" => config = config.optimizer(Optimizer::adam()),
        other => return Err(format!("unknown optimizer {other} (sgd or adam)")),
    }

    let fit_once = || -> Result<(f64, f64), String> {
        let mut model = initial.clone();
        let start = Instant::now();
        let report = model.fit(x.view(), &config).map_err(|e| e.to_string())?;
        let seconds = start.elapsed().as_secs_f64();
        let last = report.epoch_losses().last().copied().unwrap_or(F::zero());
        Ok((seconds, last.as_f64()))
    };
    fit_once()?; // warm-up
    let mut times = Vec::with_capacity(args.reps);
    let mut loss = 0.0;
    for _ in 0..args.reps.max(1) {
        let (seconds, last) = fit_once()?;
        times.push(seconds);
        loss = last;
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let samples = (x.nrows() * workload.epochs) as f64;
    let spread = (times[times.len() - 1] - times[0]) / median;
    println!(
        "{{\"impl\": \"autoencoder\", \"model\": \"{}\", \"workload\": \"{}\", \"dtype\": \"{}\", \"loss\": \"mse\", \
         \"threads\": {}, \"batch\": {}, \"epochs\": {}, \"n_trained\": {}, \"reps\": {}, \
         \"median_s\": {:.6}, \"spread\": {:.3}, \"samples_per_s\": {:.1}, \"epoch_loss\": {:e}, \
         \"design_loss\": {:e}, \"features\": \"{}\"}}",
        args.model,
        workload.name,
        if std::mem::size_of::<F>() == 4 {
            "float32"
        } else {
            "float64"
        },
        args.threads,
        batch_size,
        workload.epochs,
        x.nrows(),
        times.len(),
        median,
        spread,
        samples / median,
        workload.peer_loss(loss),
        loss,
        if cfg!(feature = "threading") {
            "threading"
        } else {
            ""
        },
    );
    Ok(())
}
