//! Trains a model on the Wisconsin breast cancer data, saves it as JSON, loads it back and shows
//! that the loaded model encodes exactly as the trained one.
//!
//! Run with `cargo run --release --example save_load --features serde`.

use autoencoder::{TrainConfig, VanillaAutoencoder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let x = autoencoder::datasets::breast_cancer_wisconsin().features;
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42)?;
    let config = TrainConfig::new()
        .learning_rate(0.1)
        .momentum(0.9)
        .epochs(20)
        .batch_size(8)
        .seed(7);
    let report = model.fit(&x, &config)?;
    let losses = report.epoch_losses();
    println!(
        "trained 20 epochs: loss {:.5} -> {:.5}",
        losses[0],
        losses[losses.len() - 1]
    );

    let dir = std::env::temp_dir().join(format!("autoencoder-save-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("model.json");
    model.save_json(&path)?;
    println!(
        "saved {} ({} bytes)",
        path.display(),
        std::fs::metadata(&path)?.len()
    );

    let loaded = VanillaAutoencoder::<f64>::load_json(&path)?;
    let (before, after) = (model.encode(&x)?, loaded.encode(&x)?);
    println!("codes of the first sample: {:.6}", before.row(0));
    println!("after loading:             {:.6}", after.row(0));
    let identical = before
        .iter()
        .zip(&after)
        .all(|(a, b)| a.to_bits() == b.to_bits());
    println!("all {} codes bit-identical: {identical}", before.len());
    std::fs::remove_dir_all(&dir)?;
    if !identical {
        return Err("the loaded model encodes differently".into());
    }
    Ok(())
}
