//! Anomaly detection through the public API.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    AnomalyDetector, Error, Loss, Threshold, TrainConfig, VanillaAutoencoder, roc_auc,
};
use ndarray::{Array2, Axis};

/// Benign rows at even positions train; odd benign rows and all malignant rows test.
fn split() -> (Array2<f64>, Array2<f64>, Vec<bool>) {
    let data = breast_cancer_wisconsin();
    let benign: Vec<usize> = (0..683).filter(|&i| !data.malignant[i]).collect();
    let train_rows: Vec<usize> = benign.iter().step_by(2).copied().collect();
    let test_rows: Vec<usize> = benign
        .iter()
        .skip(1)
        .step_by(2)
        .copied()
        .chain((0..683).filter(|&i| data.malignant[i]))
        .collect();
    let truth = test_rows.iter().map(|&i| data.malignant[i]).collect();
    (
        data.features.select(Axis(0), &train_rows),
        data.features.select(Axis(0), &test_rows),
        truth,
    )
}

fn trained(train: &Array2<f64>) -> VanillaAutoencoder<f64> {
    let mut model = VanillaAutoencoder::<f64>::new(9, 3, 42).unwrap();
    model
        .fit(
            train,
            &TrainConfig::new()
                .epochs(100)
                .loss(Loss::BinaryCrossEntropy)
                .seed(1),
        )
        .unwrap();
    model
}

#[test]
fn malignant_rows_score_higher_than_benign_ones() {
    let (train, test, truth) = split();
    let detector =
        AnomalyDetector::fit(trained(&train), &train, Threshold::Contamination(0.05)).unwrap();
    let scores = detector.scores(&test).unwrap().to_vec();
    let auc = roc_auc(&scores, &truth).unwrap();
    println!("ROC AUC {auc:.4}");
    assert!(auc > 0.99, "{auc}");
    let flagged = detector.predict(&test).unwrap();
    for (s, f) in scores.iter().zip(flagged.iter()) {
        assert_eq!(*f, *s > detector.threshold());
    }
}

#[test]
fn contamination_flags_that_fraction_of_the_training_rows() {
    let (train, _, _) = split();
    let detector =
        AnomalyDetector::fit(trained(&train), &train, Threshold::Contamination(0.1)).unwrap();
    let flagged = detector
        .predict(&train)
        .unwrap()
        .iter()
        .filter(|&&f| f)
        .count();
    // 222 rows: the 90th percentile sits at sorted position 0.9 · 221 = 198.9, between the
    // 199th and 200th smallest scores, so positions 199..=221 (23 rows) lie above it.
    assert_eq!(flagged, 23);
}

#[test]
fn mean_plus_std_threshold() {
    let (train, _, _) = split();
    let model = trained(&train);
    let scores = model.reconstruction_errors(&train).unwrap();
    let (mean, std) = (scores.mean().unwrap(), scores.std(0.0));
    let detector = AnomalyDetector::fit(model, &train, Threshold::MeanPlusStd(2.0)).unwrap();
    approx::assert_relative_eq!(detector.threshold(), mean + 2.0 * std, max_relative = 1e-12);
}

#[test]
fn bad_rules_and_data_are_rejected() {
    let (train, _, _) = split();
    for rule in [
        Threshold::Contamination(0.0),
        Threshold::Contamination(1.0),
        Threshold::MeanPlusStd(-1.0),
    ] {
        let err = AnomalyDetector::fit(trained(&train), &train, rule).unwrap_err();
        assert!(matches!(err, Error::InvalidParameter { .. }), "{rule:?}");
    }
    let err = AnomalyDetector::fit(
        trained(&train),
        &Array2::zeros((0, 9)),
        Threshold::MeanPlusStd(1.0),
    )
    .unwrap_err();
    assert!(matches!(err, Error::EmptyInput));
    let detector =
        AnomalyDetector::fit(trained(&train), &train, Threshold::MeanPlusStd(1.0)).unwrap();
    assert!(matches!(
        detector.predict(&Array2::zeros((3, 4))),
        Err(Error::ShapeMismatch { .. })
    ));
}
