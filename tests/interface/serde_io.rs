#![cfg(feature = "serde")]
//! Saving and loading models as JSON, through the public API only.

use std::fs;
use std::path::PathBuf;

use autoencoder::{
    Activation, Error, Identity, MAX_MODEL_BYTES, MODEL_FORMAT_VERSION, Relu, Sigmoid, Tanh,
    TrainConfig, VanillaAutoencoder,
};
use ndarray::{Array1, Array2};
use proptest::prelude::*;

use crate::serde_common;

/// A fresh, empty folder for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "autoencoder-serde-io-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn data() -> Array2<f64> {
    autoencoder::datasets::breast_cancer_wisconsin().features
}

fn trained<A: Activation, O: Activation>() -> VanillaAutoencoder<f64, A, O> {
    let mut model = VanillaAutoencoder::<f64, A, O>::new(9, 5, 42).unwrap();
    let config = TrainConfig::new()
        .epochs(3)
        .batch_size(16)
        .learning_rate(0.05);
    model.fit(&data(), &config).unwrap();
    model
}

/// Saves, loads, and checks that the parameters and `encode` output are bit-identical.
fn check_file_round_trip<A: Activation, O: Activation>(dir: &TempDir) {
    let model = trained::<A, O>();
    let path = dir.0.join(format!("{}-{}.json", A::NAME, O::NAME));
    model.save_json(&path).unwrap();
    let loaded = VanillaAutoencoder::<f64, A, O>::load_json(&path).unwrap();
    assert_eq!(loaded, model);
    let (x, y) = (
        model.encode(&data()).unwrap(),
        loaded.encode(&data()).unwrap(),
    );
    assert!(x.iter().zip(&y).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn file_round_trip_is_exact_for_every_activation() {
    let dir = TempDir::new("round-trip");
    check_file_round_trip::<Sigmoid, Sigmoid>(&dir);
    check_file_round_trip::<Tanh, Tanh>(&dir);
    check_file_round_trip::<Tanh, Identity>(&dir);
    check_file_round_trip::<Relu, Sigmoid>(&dir);
}

#[test]
fn f32_file_round_trip_is_exact() {
    let dir = TempDir::new("f32");
    let x = data().mapv(|v| v as f32);
    let mut model = VanillaAutoencoder::<f32>::new(9, 5, 3).unwrap();
    model
        .fit(&x, &TrainConfig::new().epochs(2).batch_size(32))
        .unwrap();
    let path = dir.0.join("model.json");
    model.save_json(&path).unwrap();
    let loaded = VanillaAutoencoder::<f32>::load_json(&path).unwrap();
    assert_eq!(loaded, model);
    let (a, b) = (model.encode(&x).unwrap(), loaded.encode(&x).unwrap());
    assert!(a.iter().zip(&b).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn saving_replaces_the_file_and_leaves_no_temporary_file() {
    let dir = TempDir::new("replace");
    let path = dir.0.join("model.json");
    let (first, second) = (
        VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap(),
        VanillaAutoencoder::<f64>::new(9, 5, 2).unwrap(),
    );
    first.save_json(&path).unwrap();
    second.save_json(&path).unwrap();
    assert_eq!(VanillaAutoencoder::<f64>::load_json(&path).unwrap(), second);
    let names: Vec<_> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("model.json")]);
}

#[test]
fn io_failures_are_io_errors() {
    let dir = TempDir::new("io");
    let model = VanillaAutoencoder::<f64>::new(3, 2, 0).unwrap();
    let missing_dir = dir.0.join("no-such-folder").join("model.json");
    assert!(matches!(
        model.save_json(&missing_dir),
        Err(Error::Io {
            kind: std::io::ErrorKind::NotFound,
            ..
        })
    ));
    assert!(matches!(
        VanillaAutoencoder::<f64>::load_json(dir.0.join("missing.json")),
        Err(Error::Io {
            kind: std::io::ErrorKind::NotFound,
            ..
        })
    ));
    // A folder opens but cannot be read as a file.
    assert!(matches!(
        VanillaAutoencoder::<f64>::load_json(&dir.0),
        Err(Error::Io { .. })
    ));
    // A path that names no file.
    assert!(matches!(model.save_json(""), Err(Error::Io { .. })));
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = TempDir::new("oversized");
    let path = dir.0.join("huge.json");
    // Sparse: no disk space or memory is used, and the loader must not read it.
    fs::File::create(&path)
        .unwrap()
        .set_len(MAX_MODEL_BYTES + 1)
        .unwrap();
    assert!(matches!(
        VanillaAutoencoder::<f64>::load_json(&path),
        Err(Error::ModelTooLarge { bytes, limit: MAX_MODEL_BYTES }) if bytes == MAX_MODEL_BYTES + 1
    ));
}

#[test]
fn every_truncation_is_corrupt() {
    let json = VanillaAutoencoder::<f64, Tanh>::new(4, 3, 5)
        .unwrap()
        .to_json_string();
    for end in 0..json.len() {
        let result = VanillaAutoencoder::<f64, Tanh>::from_json_str(&json[..end]);
        assert!(
            matches!(result, Err(Error::CorruptModel { .. })),
            "prefix of {end} bytes"
        );
    }
}

#[test]
fn wrong_types_and_versions_are_refused() {
    let json = VanillaAutoencoder::<f64, Tanh, Identity>::new(4, 3, 5)
        .unwrap()
        .to_json_string();
    assert!(matches!(
        VanillaAutoencoder::<f64>::from_json_str(&json),
        Err(Error::ActivationMismatch {
            layer: "encoder",
            ..
        })
    ));
    assert!(matches!(
        VanillaAutoencoder::<f64, Tanh>::from_json_str(&json),
        Err(Error::ActivationMismatch {
            layer: "decoder",
            ..
        })
    ));
    assert!(matches!(
        VanillaAutoencoder::<f32, Tanh, Identity>::from_json_str(&json),
        Err(Error::FloatTypeMismatch { .. })
    ));
    let next = json.replace(
        &format!("\"version\":{MODEL_FORMAT_VERSION}"),
        &format!("\"version\":{}", MODEL_FORMAT_VERSION + 1),
    );
    assert_ne!(next, json);
    assert!(matches!(
        VanillaAutoencoder::<f64, Tanh, Identity>::from_json_str(&next),
        Err(Error::UnsupportedVersion {
            supported: MODEL_FORMAT_VERSION,
            ..
        })
    ));
    for not_a_model in ["", "null", "[]", "{}", r#"{"format":"other","version":1}"#] {
        assert!(matches!(
            VanillaAutoencoder::<f64>::from_json_str(not_a_model),
            Err(Error::CorruptModel { .. })
        ));
    }
}

#[test]
fn wrong_shapes_are_refused() {
    let model = VanillaAutoencoder::<f64>::from_parts(
        Array2::from_elem((2, 3), 0.25),
        Array1::from_elem(2, 0.5),
        Array1::from_elem(3, -0.5),
    )
    .unwrap();
    let json = model.to_json_string();
    for (from, to) in [
        ("\"n_inputs\":3", "\"n_inputs\":4"),
        ("\"n_hidden\":2", "\"n_hidden\":1"),
        ("[0.25,0.25,0.25]]", "[0.25,0.25]]"),
        ("\"b1\":[0.5,0.5]", "\"b1\":[0.5]"),
        ("\"b2\":[-0.5,-0.5,-0.5]", "\"b2\":[-0.5,-0.5,-0.5,-0.5]"),
    ] {
        let broken = serde_common::edit(&json.replace(from, to), |_| ());
        assert_ne!(broken, json, "{from} not found");
        assert!(
            matches!(
                VanillaAutoencoder::<f64>::from_json_str(&broken),
                Err(Error::ParameterShapeMismatch { .. })
            ),
            "{from} -> {to}"
        );
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let json = VanillaAutoencoder::<f64>::new(3, 2, 5)
        .unwrap()
        .to_json_string()
        .into_bytes();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..20_000 {
        // xorshift64: a fixed, dependency-free stream of positions and bytes.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut bytes = json.clone();
        let at = (state % bytes.len() as u64) as usize;
        bytes[at] = (state >> 32) as u8;
        if let Ok(model) = VanillaAutoencoder::<f64>::from_json_slice(&bytes) {
            assert!(model.w().iter().all(|v| v.is_finite()));
        }
    }
}

proptest! {
    #[test]
    fn any_finite_values_round_trip_exactly(
        w in prop::collection::vec(prop::num::f32::NORMAL | prop::num::f32::SUBNORMAL | prop::num::f32::ZERO, 6),
        b in prop::collection::vec(prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO, 5),
    ) {
        let m32 = VanillaAutoencoder::<f32>::from_parts(
            Array2::from_shape_vec((2, 3), w).unwrap(),
            Array1::from_elem(2, 1.0e-40),
            Array1::from_elem(3, f32::MAX),
        ).unwrap();
        prop_assert_eq!(VanillaAutoencoder::<f32>::from_json_str(&m32.to_json_string()), Ok(m32));
        let m64 = VanillaAutoencoder::<f64>::from_parts(
            Array2::from_shape_vec((1, 3), b[..3].to_vec()).unwrap(),
            Array1::from_elem(1, b[3]),
            Array1::from_elem(3, b[4]),
        ).unwrap();
        prop_assert_eq!(VanillaAutoencoder::<f64>::from_json_str(&m64.to_json_string()), Ok(m64));
    }
}
