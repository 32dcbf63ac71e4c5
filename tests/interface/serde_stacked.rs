#![cfg(feature = "serde")]
//! Saving and loading stacked autoencoders as JSON.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{Error, StackedAutoencoder, Tanh, TrainConfig, VanillaAutoencoder};
use serde_common::edit;

use crate::serde_common;

fn trained() -> StackedAutoencoder<f64> {
    let x = breast_cancer_wisconsin().features;
    let mut stack = StackedAutoencoder::<f64>::new(&[9, 6, 3], 2).unwrap();
    let config = TrainConfig::new().epochs(2).batch_size(16);
    stack.pretrain(&x, &config).unwrap();
    stack.fit(&x, &config).unwrap();
    stack
}

#[test]
fn round_trip_through_a_file_keeps_the_codes() {
    let x = breast_cancer_wisconsin().features;
    let stack = trained();
    let path = std::env::temp_dir().join(format!("stack-round-trip-{}.json", std::process::id()));
    stack.save_json(&path).unwrap();
    let back = StackedAutoencoder::<f64>::load_json(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(back, stack);
    assert_eq!(back.encode(&x).unwrap(), stack.encode(&x).unwrap());
}

#[test]
fn wrong_files_give_typed_errors() {
    let json = trained().to_json_string();
    type S = StackedAutoencoder<f64>;
    assert!(matches!(
        S::from_json_str(&json[..json.len() / 2]),
        Err(Error::CorruptModel { .. })
    ));
    let vanilla = VanillaAutoencoder::<f64>::new(9, 5, 1)
        .unwrap()
        .to_json_string();
    assert!(matches!(
        S::from_json_str(&vanilla),
        Err(Error::CorruptModel { .. })
    ));
    assert!(matches!(
        StackedAutoencoder::<f64, Tanh>::from_json_str(&json),
        Err(Error::ActivationMismatch { .. })
    ));
    assert!(matches!(
        StackedAutoencoder::<f32>::from_json_str(&json),
        Err(Error::FloatTypeMismatch { .. })
    ));
    let future = edit(&json, |v| v["version"] = 99.into());
    assert!(matches!(
        S::from_json_str(&future),
        Err(Error::UnsupportedVersion { found: 99, .. })
    ));
    // Swapping the levels breaks the chain 9 -> 6 -> 3.
    let swapped = edit(&json, |v| v["levels"].as_array_mut().unwrap().swap(0, 1));
    assert!(matches!(
        S::from_json_str(&swapped),
        Err(Error::InvalidLayerSizes(_))
    ));
    let no_levels = edit(&json, |v| v["levels"] = serde_json::json!([]));
    assert!(matches!(
        S::from_json_str(&no_levels),
        Err(Error::InvalidLayerSizes(_))
    ));
    let short_bias = edit(&json, |v| {
        v["levels"][1]["b1"].as_array_mut().unwrap().pop();
    });
    assert!(matches!(
        S::from_json_str(&short_bias),
        Err(Error::ParameterShapeMismatch { name: "b1", .. })
    ));
}
