//! The benchmark workloads of `BENCHMARKS.md`, shared by `examples/throughput.rs` and the
//! criterion benches: a port of the peers' data generator (`bench/peers/protocol.py`: SplitMix64
//! counter streams, `low_rank`, `initial_params`) and the workload table.
//!
//! The peers use the per-sample loss `0.5 ‖z − x‖²` averaged over the batch and classical
//! momentum; the crate averages over all elements. Their trajectory is the crate's with the
//! learning rate `η · d / 2`, and their loss is the crate's times `d / 2` (see [`Workload`]).

#![allow(dead_code)]

use std::io::Read;
use std::path::Path;

use ndarray::{Array1, Array2};

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const STREAM_STRIDE: u64 = 0x632B_E59B_D9B4_E019;

/// Seed of sub-stream `k` (1..=4) of a base seed.
pub fn stream_seed(base_seed: u64, k: u64) -> u64 {
    base_seed.wrapping_add(k.wrapping_mul(STREAM_STRIDE))
}

/// `n` doubles in `[0, 1)`: element `i` is SplitMix64's output number `i + 1` from state `seed`.
pub fn uniform01(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(GAMMA);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
        })
        .collect()
}

fn signed_uniform(seed: u64, n: usize) -> Vec<f64> {
    uniform01(seed, n)
        .into_iter()
        .map(|u| 2.0 * u - 1.0)
        .collect()
}

/// Low-rank-plus-noise data in `(0, 1)^d`, `[n, d]`:
/// `X = σ((3/√k) Z Aᵀ + 0.1 E)` with `A [d, k]`, `Z [n, k]`, `E [n, d]` uniform in `[-1, 1)`
/// from streams 1, 2 and 3.
pub fn lowrank_data(n: usize, d: usize, k: usize, seed: u64) -> Array2<f64> {
    let a = signed_uniform(stream_seed(seed, 1), d * k);
    let z = signed_uniform(stream_seed(seed, 2), n * k);
    let e = signed_uniform(stream_seed(seed, 3), n * d);
    let scale = 3.0 / (k as f64).sqrt();
    Array2::from_shape_fn((n, d), |(i, j)| {
        let zi = &z[i * k..(i + 1) * k];
        let aj = &a[j * k..(j + 1) * k];
        let product = zi.iter().zip(aj).fold(0.0, |s, (p, q)| s + p * q);
        let pre = scale * product + 0.1 * e[i * d + j];
        1.0 / (1.0 + (-pre).exp())
    })
}

/// `W = (2u − 1) √(6 / (d + h))` from stream 4, `[h, d]`; zero biases.
pub fn init_params(d: usize, h: usize, seed: u64) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let bound = (6.0 / (d + h) as f64).sqrt();
    let w = signed_uniform(stream_seed(seed, 4), h * d)
        .into_iter()
        .map(|u| u * bound)
        .collect();
    let w = Array2::from_shape_vec((h, d), w).expect("h * d values");
    (w, Array1::zeros(h), Array1::zeros(d))
}

/// Compares the first values of the port with those printed by the Python generator.
pub fn check_generator() -> Result<(), String> {
    let close = |name: &str, got: &[f64], want: &[f64], tol: f64| {
        for (g, w) in got.iter().zip(want) {
            if (g - w).abs() > tol * w.abs().max(1.0) {
                return Err(format!("{name}: got {got:?}, Python gives {want:?}"));
            }
        }
        Ok(())
    };
    // cd bench/peers && ../.venv/bin/python -c "import protocol as p; print(p.splitmix_uniform(0, 3).tolist())"
    close(
        "uniform01(0)",
        &uniform01(0, 3),
        &[
            0.8833108082136426,
            0.43152799704850997,
            0.026433771592597743,
        ],
        0.0,
    )?;
    close(
        "uniform01(stream_seed(2, 3))",
        &uniform01(stream_seed(2, 3), 3),
        &[0.5745519007220599, 0.91042558287116, 0.08055595777409807],
        0.0,
    )?;
    let x = lowrank_data(4, 9, 3, 1);
    close(
        "lowrank_data(4, 9, 3, 1)[3, :4]",
        &x.row(3).to_vec()[..4],
        &[
            0.7648315918879695,
            0.675633096106618,
            0.19722473567584614,
            0.5570148500259718,
        ],
        1e-14,
    )?;
    let x = lowrank_data(4, 784, 16, 4);
    close(
        "lowrank_data(4, 784, 16, 4)[2, 780:]",
        &x.row(2).to_vec()[780..],
        &[
            0.20339529949567628,
            0.1424778963311702,
            0.4182528560169004,
            0.41444975344309903,
        ],
        1e-14,
    )?;
    close(
        "init_params(9, 5, 1).W[4, 5:]",
        &init_params(9, 5, 1).0.row(4).to_vec()[5..],
        &[
            0.17127722624010508,
            -0.641460281034583,
            -0.3826549181861752,
            0.051674666089879945,
        ],
        1e-15,
    )?;
    close(
        "init_params(784, 128, 4).W[127, 780:]",
        &init_params(784, 128, 4).0.row(127).to_vec()[780..],
        &[
            0.08007134129787903,
            0.07294620602750564,
            0.047493747687838435,
            -0.00980152306516374,
        ],
        1e-15,
    )
}

/// Where a workload's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// [`lowrank_data`] of rank `k` with the workload's seed.
    LowRank { k: usize },
    /// `data/digits.csv`, pixels / 16.
    Digits,
    /// `data/mnist_5k.csv.gz`, pixels / 255.
    Mnist,
}

/// One benchmark workload, in the peers' terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    pub name: &'static str,
    pub n_inputs: usize,
    pub n_hidden: usize,
    /// Rows generated or loaded (before dropping the last short batch).
    pub n_rows: usize,
    pub batch_size: usize,
    pub epochs: usize,
    /// The peers' learning rate (of the per-sample loss `0.5 ‖z − x‖²`).
    pub eta: f64,
    pub momentum: f64,
    pub source: Source,
    pub seed: u64,
}

/// W1..W4m, as in the peers' `bench/peers/protocol.py`.
pub const WORKLOADS: [Workload; 6] = [
    wl("W1", 9, 5, 100_000, 1, 1, 0.1, Source::LowRank { k: 3 }, 1),
    wl(
        "W2",
        9,
        5,
        1_000_000,
        256,
        1,
        2.0,
        Source::LowRank { k: 3 },
        2,
    ),
    wl(
        "W2b",
        9,
        5,
        1_000_000,
        32,
        1,
        0.5,
        Source::LowRank { k: 3 },
        2,
    ),
    wl("W3", 64, 16, 1797, 32, 50, 0.5, Source::Digits, 3),
    wl(
        "W4",
        784,
        128,
        60_000,
        256,
        1,
        0.1,
        Source::LowRank { k: 16 },
        4,
    ),
    wl("W4m", 784, 128, 5000, 256, 12, 0.1, Source::Mnist, 4),
];

#[allow(clippy::too_many_arguments)]
const fn wl(
    name: &'static str,
    n_inputs: usize,
    n_hidden: usize,
    n_rows: usize,
    batch_size: usize,
    epochs: usize,
    eta: f64,
    source: Source,
    seed: u64,
) -> Workload {
    Workload {
        name,
        n_inputs,
        n_hidden,
        n_rows,
        batch_size,
        epochs,
        eta,
        momentum: 0.9,
        source,
        seed,
    }
}

impl Workload {
    /// The workload called `name` (`W1`, `W2`, `W2b`, `W3`, `W4`, `W4m`).
    pub fn named(name: &str) -> Option<Workload> {
        WORKLOADS
            .iter()
            .copied()
            .find(|w| w.name.eq_ignore_ascii_case(name))
    }

    /// Rows trained per epoch: whole batches only, as the peers drop the last short batch.
    pub fn n_trained(&self) -> usize {
        self.n_rows / self.batch_size * self.batch_size
    }

    /// The crate's learning rate for the same trajectory under MSE: `η · d / 2`.
    pub fn crate_learning_rate(&self) -> f64 {
        self.eta * self.n_inputs as f64 / 2.0
    }

    /// The peers' MSE loss (`0.5 ‖z − x‖²` per sample) from the crate's (mean over elements).
    pub fn peer_loss(&self, crate_loss: f64) -> f64 {
        crate_loss * self.n_inputs as f64 / 2.0
    }

    /// The training rows, `[n_trained, n_inputs]`, in `f64`; `data_dir` holds the shipped files.
    pub fn data(&self, data_dir: &Path) -> Result<Array2<f64>, String> {
        let x = match self.source {
            Source::LowRank { k } => lowrank_data(self.n_rows, self.n_inputs, k, self.seed),
            Source::Digits => {
                let file = std::fs::File::open(data_dir.join("digits.csv"))
                    .map_err(|e| format!("digits.csv: {e}"))?;
                read_pixels(file, 64, 16.0)?
            }
            Source::Mnist => {
                let file = std::fs::File::open(data_dir.join("mnist_5k.csv.gz"))
                    .map_err(|e| format!("mnist_5k.csv.gz: {e}"))?;
                read_pixels(flate2::read::GzDecoder::new(file), 784, 255.0)?
            }
        };
        let n = self.n_trained().min(x.nrows());
        Ok(x.slice_move(ndarray::s![..n, ..]))
    }
}

/// Reads headerless CSV rows of `columns` pixels followed by a label; pixels are divided by `scale`.
fn read_pixels(reader: impl Read, columns: usize, scale: f64) -> Result<Array2<f64>, String> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(reader);
    let mut values = Vec::new();
    let mut rows = 0;
    for record in csv.records() {
        let record = record.map_err(|e| e.to_string())?;
        for field in record.iter().take(columns) {
            let v: f64 = field
                .trim()
                .parse()
                .map_err(|e| format!("{field:?}: {e}"))?;
            values.push(v / scale);
        }
        rows += 1;
    }
    Array2::from_shape_vec((rows, columns), values).map_err(|e| e.to_string())
}
