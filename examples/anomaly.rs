//! Anomaly detection on the Wisconsin breast cancer data: train on benign samples only, then
//! score unseen benign and malignant samples by reconstruction error.
//!
//! Split (this example's own): the 444 benign rows are shuffled by `rand`'s `shuffle` with
//! ChaCha8 seeded 0; the first 222 train the model, the other 222 and all 239 malignant rows
//! are the test set, malignant counting as the anomaly.
//!
//! Run with `cargo run --release --example anomaly`.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{AnomalyDetector, Loss, Threshold, TrainConfig, VanillaAutoencoder, roc_auc};
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Trains a 9-`n_hidden`-9 model on `train` and returns the detector.
fn detector(
    train: &Array2<f64>,
    n_hidden: usize,
    loss: Loss,
    seed: u64,
) -> Result<AnomalyDetector<f64>, autoencoder::Error> {
    let mut model = VanillaAutoencoder::<f64>::new(9, n_hidden, seed)?;
    model.fit(train, &TrainConfig::new().epochs(100).loss(loss).seed(1))?;
    AnomalyDetector::fit(model, train, Threshold::Contamination(0.05))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = breast_cancer_wisconsin();
    let labels = &data.malignant;
    let rows = |malignant: bool| (0..labels.len()).filter(move |&i| labels[i] == malignant);
    let mut benign: Vec<usize> = rows(false).collect();
    benign.shuffle(&mut ChaCha8Rng::seed_from_u64(0));
    let (train_rows, held_benign) = benign.split_at(benign.len() / 2);
    let test_rows: Vec<usize> = held_benign.iter().copied().chain(rows(true)).collect();
    let train = data.features.select(Axis(0), train_rows);
    let test = data.features.select(Axis(0), &test_rows);
    let truth: Vec<bool> = test_rows.iter().map(|&i| data.malignant[i]).collect();
    println!(
        "train: {} benign rows; test: {} benign + {} malignant rows\n",
        train.nrows(),
        held_benign.len(),
        truth.iter().filter(|&&m| m).count()
    );

    println!(
        "{:<28} {:>8} {:>10} {:>10} {:>8}",
        "model (100 epochs)", "ROC AUC", "threshold", "precision", "recall"
    );
    for (name, n_hidden, loss) in [
        ("plain 9-5-9, MSE", 5, Loss::Mse),
        ("9-3-9, binary cross-entropy", 3, Loss::BinaryCrossEntropy),
    ] {
        let detector = detector(&train, n_hidden, loss, 42)?;
        let scores = detector.scores(&test)?.to_vec();
        let auc = roc_auc(&scores, &truth).unwrap_or(f64::NAN);
        let flagged = detector.predict(&test)?;
        let count = |want_flag: bool, want_truth: bool| {
            flagged
                .iter()
                .zip(&truth)
                .filter(|&(&f, &t)| f == want_flag && t == want_truth)
                .count() as f64
        };
        let (tp, fp, fneg) = (count(true, true), count(true, false), count(false, true));
        println!(
            "{name:<28} {auc:>8.4} {:>10.5} {:>10.3} {:>8.3}",
            detector.threshold(),
            tp / (tp + fp),
            tp / (tp + fneg)
        );
    }

    // The same two models over six initialisation seeds, to show the gap is not luck.
    println!("\nROC AUC over initialisation seeds 1..=6 (mean, min):");
    for (name, n_hidden, loss) in [
        ("plain 9-5-9, MSE", 5, Loss::Mse),
        ("9-3-9, BCE", 3, Loss::BinaryCrossEntropy),
    ] {
        let mut aucs = Vec::new();
        for seed in 1..=6 {
            let scores = detector(&train, n_hidden, loss, seed)?
                .scores(&test)?
                .to_vec();
            aucs.push(roc_auc(&scores, &truth).unwrap_or(f64::NAN));
        }
        let mean = aucs.iter().sum::<f64>() / aucs.len() as f64;
        let min = aucs.iter().cloned().fold(f64::INFINITY, f64::min);
        println!("  {name:<20} mean {mean:.4}  min {min:.4}");
    }
    println!("\nThreshold: the 95th percentile of the training scores (contamination 0.05).");
    Ok(())
}
