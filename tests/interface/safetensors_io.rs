#![cfg(feature = "safetensors")]
//! safetensors export and import, against files written by Python's `safetensors` package
//! (`tests/data/make_safetensors.py`).

use std::fs;
use std::path::{Path, PathBuf};

use approx::assert_abs_diff_eq;
use autoencoder::{Error, Identity, MAX_MODEL_BYTES, Tanh, VanillaAutoencoder};
use safetensors::{Dtype, SafeTensors};

/// The fixtures are the Python script's float64 formulas, rounded once to the stored type:
/// an exact import reproduces them bit for bit, so the tolerance is zero.
const EXACT: f64 = 0.0;

fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The values `make_safetensors.py` writes, in f64.
fn expected_w(j: usize, i: usize) -> f64 {
    0.01 * (j * 9 + i) as f64 - 0.2
}
fn expected_b1(j: usize) -> f64 {
    0.1 * j as f64 - 0.25
}
fn expected_b2(i: usize) -> f64 {
    0.5 - 0.125 * i as f64
}

#[test]
fn imports_the_f64_file_written_by_python() {
    let model =
        VanillaAutoencoder::<f64>::load_safetensors(data_file("tied_9x5_f64.safetensors")).unwrap();
    assert_eq!((model.n_inputs(), model.n_hidden()), (9, 5));
    for ((j, i), &w) in model.w().indexed_iter() {
        assert_abs_diff_eq!(w, expected_w(j, i), epsilon = EXACT);
    }
    for (j, &b) in model.b1().iter().enumerate() {
        assert_abs_diff_eq!(b, expected_b1(j), epsilon = EXACT);
    }
    for (i, &b) in model.b2().iter().enumerate() {
        assert_abs_diff_eq!(b, expected_b2(i), epsilon = EXACT);
    }
    // The file has no metadata, so any activation may claim it.
    assert!(
        VanillaAutoencoder::<f64, Tanh>::load_safetensors(data_file("tied_9x5_f64.safetensors"))
            .is_ok()
    );
}

#[test]
fn imports_the_f32_file_written_by_python_and_checks_its_metadata() {
    let path = data_file("tied_9x5_f32.safetensors");
    let model = VanillaAutoencoder::<f32, Tanh, Identity>::load_safetensors(&path).unwrap();
    for ((j, i), &w) in model.w().indexed_iter() {
        assert_abs_diff_eq!(w, expected_w(j, i) as f32, epsilon = EXACT as f32);
    }
    for (j, &b) in model.b1().iter().enumerate() {
        assert_abs_diff_eq!(b, expected_b1(j) as f32, epsilon = EXACT as f32);
    }
    for (i, &b) in model.b2().iter().enumerate() {
        assert_abs_diff_eq!(b, expected_b2(i) as f32, epsilon = EXACT as f32);
    }
    assert!(matches!(
        VanillaAutoencoder::<f32>::load_safetensors(&path),
        Err(Error::ActivationMismatch {
            layer: "encoder",
            ..
        })
    ));
    assert!(matches!(
        VanillaAutoencoder::<f64, Tanh, Identity>::load_safetensors(&path),
        Err(Error::FloatTypeMismatch { .. })
    ));
}

#[test]
fn export_round_trips_and_is_standard_safetensors() {
    let model =
        VanillaAutoencoder::<f64>::load_safetensors(data_file("tied_9x5_f64.safetensors")).unwrap();
    let bytes = model.to_safetensors_bytes();
    assert_eq!(
        VanillaAutoencoder::<f64>::from_safetensors_bytes(&bytes).unwrap(),
        model
    );

    // Read back with the safetensors crate itself: names, dtypes, shapes, little-endian data.
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(names, ["W", "b1", "b2"]);
    let w = file.tensor("W").unwrap();
    assert_eq!((w.dtype(), w.shape()), (Dtype::F64, &[5, 9][..]));
    assert_eq!(file.tensor("b1").unwrap().shape(), [5]);
    assert_eq!(file.tensor("b2").unwrap().shape(), [9]);
    let w12 = f64::from_le_bytes(w.data()[12 * 8..13 * 8].try_into().unwrap());
    assert_abs_diff_eq!(w12, expected_w(1, 3), epsilon = EXACT);
}

#[test]
fn file_round_trip_for_f32() {
    let dir = std::env::temp_dir().join(format!("autoencoder-safetensors-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    let model = VanillaAutoencoder::<f32, Tanh, Identity>::new(9, 5, 11).unwrap();
    model.save_safetensors(&path).unwrap();
    let loaded = VanillaAutoencoder::<f32, Tanh, Identity>::load_safetensors(&path);
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(loaded.unwrap(), model);
}

#[test]
fn damaged_files_are_refused() {
    let bytes = fs::read(data_file("tied_9x5_f64.safetensors")).unwrap();
    for end in 0..bytes.len() {
        assert!(
            matches!(
                VanillaAutoencoder::<f64>::from_safetensors_bytes(&bytes[..end]),
                Err(Error::CorruptModel { .. })
            ),
            "prefix of {end} bytes"
        );
    }
    // A header length far beyond the file.
    let mut huge_header = bytes.clone();
    huge_header[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        VanillaAutoencoder::<f64>::from_safetensors_bytes(&huge_header),
        Err(Error::CorruptModel { .. })
    ));

    let dir = std::env::temp_dir().join(format!("autoencoder-st-big-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.safetensors");
    fs::File::create(&path)
        .unwrap()
        .set_len(MAX_MODEL_BYTES + 1)
        .unwrap();
    let result = VanillaAutoencoder::<f64>::load_safetensors(&path);
    let _ = fs::remove_dir_all(&dir);
    assert!(matches!(
        result,
        Err(Error::ModelTooLarge {
            limit: MAX_MODEL_BYTES,
            ..
        })
    ));
}
