//! The classic 9-5-9 autoencoder learns the Wisconsin breast cancer data.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{TrainConfig, VanillaAutoencoder};

/// Mean reconstruction MSE the issue asks to beat: the mean predictor scores 0.097 and PCA with
/// five components 0.009 on this data.
const TARGET_MSE: f64 = 0.02;

#[test]
fn nine_five_nine_beats_the_target_on_wisconsin() {
    let x = breast_cancer_wisconsin().features;
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42).unwrap();
    let before = model.reconstruction_errors(&x).unwrap().mean().unwrap();
    let report = model
        .fit(&x, &TrainConfig::new().epochs(30).seed(7))
        .unwrap();
    let after = model.reconstruction_errors(&x).unwrap().mean().unwrap();
    println!(
        "MSE before {before:.4}, after {after:.4}; last epoch loss {:.4}",
        report.final_loss()
    );
    assert!(after < TARGET_MSE, "reconstruction MSE {after}");
}
