//! Helpers shared by the integration tests: fixture files and tolerances.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use autoencoder::{Loss, TrainConfig};
use ndarray::{Array1, Array2};
use serde::Deserialize;

/// Parameters and epoch losses of an f64 run must match the fixtures to this (absolute for
/// parameters, relative for losses). The fixtures README states that differences in summation
/// order alone stay far below it (an f64 implementation reproduces them to about 1e-12).
pub const FIXTURE_TOL_F64: f64 = 1e-9;

/// Bound for an f32 run against the f64 fixtures, absolute on parameters and relative on losses.
/// f32 rounds each operation to about 6e-8 relative; over a few thousand momentum steps
/// (velocity gains up to 1 / (1 − μ) = 10) the measured drift is a few 1e-6 at most, so 1e-4
/// leaves a wide margin while still catching any mistake in the math, which moves values by
/// orders of magnitude more.
pub const FIXTURE_TOL_F32: f64 = 1e-4;

#[derive(Debug, Deserialize)]
pub struct Fixture {
    pub n_samples: usize,
    pub config: FixtureConfig,
    pub init: Params,
    pub expected: Expected,
}

impl FixtureConfig {
    /// The fixture's SGD settings (learning rate, momentum, decay, batches, epochs, loss), in
    /// file order; the capability fixtures add their optimiser and penalties to it.
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig::new()
            .learning_rate(self.learning_rate)
            .momentum(self.momentum.unwrap_or(0.0))
            .nesterov(self.nesterov)
            .weight_decay(self.weight_decay)
            .batch_size(self.batch_size)
            .epochs(self.epochs)
            .shuffle(false)
            .loss(match self.loss.as_str() {
                "mse" => Loss::Mse,
                "bce" => Loss::BinaryCrossEntropy,
                other => panic!("unknown loss {other}"),
            })
    }
}

#[derive(Debug, Deserialize)]
pub struct FixtureConfig {
    pub name: String,
    pub activation: String,
    pub output_activation: Option<String>,
    pub optimizer: Option<String>,
    pub loss: String,
    pub learning_rate: f64,
    pub momentum: Option<f64>,
    #[serde(default)]
    pub nesterov: bool,
    #[serde(default)]
    pub weight_decay: f64,
    pub batch_size: usize,
    pub epochs: usize,
    pub beta1: Option<f64>,
    pub beta2: Option<f64>,
    pub eps: Option<f64>,
    pub sparsity: Option<SparsityConfig>,
    pub contractive: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct SparsityConfig {
    pub rho: f64,
    pub beta: f64,
}

#[derive(Debug, Deserialize)]
pub struct Params {
    pub w: Vec<Vec<f64>>,
    pub b1: Vec<f64>,
    pub b2: Vec<f64>,
}

impl Params {
    pub fn arrays(&self) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
        let (rows, cols) = (self.w.len(), self.w[0].len());
        let w = Array2::from_shape_vec((rows, cols), self.w.concat()).unwrap();
        (
            w,
            Array1::from(self.b1.clone()),
            Array1::from(self.b2.clone()),
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct Expected {
    pub epoch_losses: Vec<f64>,
    pub final_loss: Option<f64>,
    pub w: Vec<Vec<f64>>,
    pub b1: Vec<f64>,
    pub b2: Vec<f64>,
}

impl Expected {
    pub fn params(&self) -> Params {
        Params {
            w: self.w.clone(),
            b1: self.b1.clone(),
            b2: self.b2.clone(),
        }
    }
}

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// Every fixture file directly in `dir`, sorted by name.
pub fn load_fixtures(dir: &Path) -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// Largest absolute difference between two equally long sequences.
pub fn max_abs_diff<'a>(
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Largest relative difference `|a − b| / |b|`.
pub fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs())
        .fold(0.0, f64::max)
}
