//! Writes the model files of `tests/fixtures/` with the crate's own `save_json`, and the codes
//! Rust computes for fixed inputs, so that the Python tests check that files written from Rust
//! load in Python with the same results, bit for bit.
//!
//! ```sh
//! cargo run --release --manifest-path python/Cargo.toml --example write_fixtures -- python/tests/fixtures
//! ```

use std::fmt::Debug;
use std::fs;
use std::path::Path;

use autoencoder::{
    Sigmoid, StackedAutoencoder, Tanh, TrainConfig, UntiedAutoencoder, VanillaAutoencoder,
};
use ndarray::Array2;

fn write_csv<T: Debug>(path: &Path, rows: &Array2<T>) -> std::io::Result<()> {
    let text: String = rows
        .rows()
        .into_iter()
        .map(|row| {
            let fields: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
            fields.join(",") + "\n"
        })
        .collect();
    fs::write(path, text)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures".to_owned());
    let dir = Path::new(&dir);
    fs::create_dir_all(dir)?;
    let x = Array2::from_shape_fn((40, 9), |(i, j)| {
        (((i * 7 + j * 3) % 11) as f64 + 0.5) / 11.5 + 0.01 * ((i * j) % 5) as f64
    });
    write_csv(&dir.join("rust_inputs.csv"), &x)?;
    let config = TrainConfig::new().epochs(20).seed(5);

    let mut tied = VanillaAutoencoder::<f64>::new(9, 4, 1)?;
    tied.fit(&x, &config)?;
    tied.save_json(dir.join("rust_tied_f64.json"))?;
    write_csv(&dir.join("rust_tied_f64.codes.csv"), &tied.encode(&x)?)?;

    let x32 = x.mapv(|v| v as f32);
    let mut untied = UntiedAutoencoder::<f32, Tanh, Sigmoid>::new(9, 4, 2)?;
    untied.fit(&x32, &config)?;
    untied.save_json(dir.join("rust_untied_f32.json"))?;
    write_csv(
        &dir.join("rust_untied_f32.codes.csv"),
        &untied.encode(&x32)?,
    )?;

    let mut stacked = StackedAutoencoder::<f64>::new(&[9, 6, 3], 3)?;
    stacked.fit(&x, &config)?;
    stacked.save_json(dir.join("rust_stacked_f64.json"))?;
    write_csv(
        &dir.join("rust_stacked_f64.codes.csv"),
        &stacked.encode(&x)?,
    )?;
    println!("fixtures written to {}", dir.display());
    Ok(())
}
