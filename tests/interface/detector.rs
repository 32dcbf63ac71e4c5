//! The anomaly detector over any model, its thresholds, and scores that overflow.

use autoencoder::{
    AnomalyDetector, Autoencoder, Error, Identity, Scoring, StackedAutoencoder, Threshold,
    TrainConfig, VanillaAutoencoder, roc_auc,
};
use ndarray::{Array1, Array2, array};

/// Two patterns, alternating, with a little variety.
fn normal_rows(n: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, 6), |(i, j)| {
        let base = if (i + j) % 2 == 0 { 0.8 } else { 0.2 };
        base + 0.01 * ((i * 7 + j) % 5) as f64
    })
}

#[test]
fn any_model_works_with_the_detector() {
    let x = normal_rows(120);
    let config = TrainConfig::new().epochs(60);
    let vanilla = AnomalyDetector::train(
        VanillaAutoencoder::<f64>::new(6, 2, 1).unwrap(),
        &x,
        &config,
        Threshold::Contamination(0.1),
    )
    .unwrap();
    let stacked = AnomalyDetector::train(
        StackedAutoencoder::<f64>::new(&[6, 4, 2], 1).unwrap(),
        &x,
        &config,
        Threshold::Contamination(0.1),
    )
    .unwrap();
    let boxed = AnomalyDetector::train(
        autoencoder::new_vanilla::<f64>("tanh", "identity", 6, 2, 1).unwrap(),
        &x,
        &config,
        Threshold::MeanPlusStd(3.0),
    )
    .unwrap();
    let odd = array![[0.9, 0.9, 0.1, 0.1, 0.9, 0.1]];
    for (name, predicted, threshold) in [
        (
            "vanilla",
            vanilla.predict(&odd).unwrap()[0],
            vanilla.threshold(),
        ),
        (
            "stacked",
            stacked.predict(&odd).unwrap()[0],
            stacked.threshold(),
        ),
        ("boxed", boxed.predict(&odd).unwrap()[0], boxed.threshold()),
    ] {
        assert!(predicted, "{name}: threshold {threshold}");
    }
    // Training inside the detector is the same as training first.
    let mut model = VanillaAutoencoder::<f64>::new(6, 2, 1).unwrap();
    model.fit(&x, &config).unwrap();
    assert_eq!(vanilla.model(), &model);
    // The boxed form scores like the typed one.
    let boxed_vanilla = vanilla.clone().into_boxed();
    assert_eq!(
        boxed_vanilla.scores(&x).unwrap(),
        vanilla.scores(&x).unwrap()
    );
}

#[test]
fn a_fixed_threshold_needs_no_data_and_must_be_finite() {
    let model = VanillaAutoencoder::<f64>::new(2, 1, 0).unwrap();
    let detector = AnomalyDetector::with_threshold(model.clone(), 0.5).unwrap();
    assert_eq!(detector.rule(), Threshold::Fixed(0.5));
    let through_fit =
        AnomalyDetector::fit(model.clone(), &array![[0.0, 1.0]], Threshold::Fixed(0.5));
    assert_eq!(through_fit.unwrap().threshold(), 0.5);
    for bad in [f64::NAN, f64::INFINITY] {
        assert!(matches!(
            AnomalyDetector::with_threshold(model.clone(), bad),
            Err(Error::InvalidParameter { .. })
        ));
    }
    // A rule out of range is refused before any training.
    let before = model.clone();
    let err = AnomalyDetector::train(
        model,
        &array![[0.0, 1.0]],
        &TrainConfig::new(),
        Threshold::Contamination(1.5),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { .. }));
    assert_eq!(
        before.w(),
        VanillaAutoencoder::<f64>::new(2, 1, 0).unwrap().w()
    );
}

/// Unscaled data near the top of the float range: each square of an error overflows, the
/// errors themselves need not.
#[test]
fn huge_unscaled_data_gives_finite_scores_and_a_finite_threshold_in_f64() {
    let x = Array2::from_shape_fn((40, 9), |(i, j)| 1e154 * (1.0 + ((i + j) % 3) as f64));
    let model = VanillaAutoencoder::<f64>::new(9, 5, 0).unwrap();
    let scores = model.reconstruction_errors(&x).unwrap();
    // A sigmoid output is in (0, 1), so each error is about the mean of x², about 4.7e308:
    // past f64::MAX, so the errors are infinite and no threshold can be fitted.
    assert!(scores.iter().all(|s| *s == f64::INFINITY), "{scores}");
    for rule in [Threshold::Contamination(0.1), Threshold::MeanPlusStd(1.0)] {
        let err = AnomalyDetector::fit(model.clone(), &x, rule).unwrap_err();
        assert!(
            matches!(err, Error::NonFiniteScore { row: Some(0), .. }),
            "{err}"
        );
    }
    // Data whose errors fit f64 (mean of x² ≈ 1.7e308 at most) scores finitely.
    let x = Array2::from_elem((10, 9), 1.3e154);
    let scores = model.reconstruction_errors(&x).unwrap();
    assert!(
        scores.iter().all(|s| s.is_finite() && *s > 1e308),
        "{scores}"
    );
    let detector = AnomalyDetector::fit(model, &x, Threshold::Contamination(0.2)).unwrap();
    assert!(detector.threshold().is_finite());
}

#[test]
fn huge_unscaled_data_in_f32_is_a_typed_error_or_finite() {
    let model = VanillaAutoencoder::<f32>::new(4, 2, 0).unwrap();
    // 1e19² = 1e38 is finite in f32, the sum of four is not: the scaled path keeps it.
    let x = Array2::from_elem((8, 4), 1e19f32);
    let scores = model.reconstruction_errors(&x).unwrap();
    assert!(scores.iter().all(|s| s.is_finite()), "{scores}");
    let detector = AnomalyDetector::fit(model.clone(), &x, Threshold::MeanPlusStd(2.0)).unwrap();
    assert!(detector.threshold().is_finite());
    // 3e19² = 9e38 is past f32::MAX as a mean too: a typed error, not a NaN threshold.
    let x = Array2::from_elem((8, 4), 3e19f32);
    let err = AnomalyDetector::fit(model.clone(), &x, Threshold::Contamination(0.1)).unwrap_err();
    assert!(
        matches!(err, Error::NonFiniteScore { row: Some(0), .. }),
        "{err}"
    );
    // Such rows are anomalies for a detector fitted on ordinary data.
    let normal = Array2::from_elem((8, 4), 0.5f32);
    let detector = AnomalyDetector::fit(model, &normal, Threshold::Contamination(0.1)).unwrap();
    assert!(detector.predict(&x).unwrap().iter().all(|&a| a));
}

#[test]
fn identity_outputs_that_overflow_are_anomalies() {
    // Huge weights and an identity output: reconstructions overflow to infinities.
    let w = Array2::from_elem((1, 2), 1e200);
    let model =
        VanillaAutoencoder::<f64, Identity>::from_parts(w, Array1::zeros(1), Array1::zeros(2))
            .unwrap();
    let normal = array![[0.0, 0.0], [1e-300, 0.0]];
    let detector = AnomalyDetector::fit(model, &normal, Threshold::Contamination(0.5)).unwrap();
    let wild = array![[1e200, 1e200]];
    assert!(!detector.scores(&wild).unwrap()[0].is_finite());
    assert!(detector.predict(&wild).unwrap()[0]);
}

#[test]
fn roc_auc_takes_arrays_views_and_slices_and_refuses_nan() {
    let scores = array![0.1, 0.4, 0.35, 0.8];
    let truth = array![false, false, true, true];
    let from_array = roc_auc(&scores, &truth).unwrap();
    let from_view = roc_auc(scores.view(), truth.view()).unwrap();
    let from_slice = roc_auc(scores.as_slice().unwrap(), truth.as_slice().unwrap()).unwrap();
    assert_eq!((from_array, from_view, from_slice), (0.75, 0.75, 0.75));
    let strided =
        Array2::from_shape_vec((4, 2), vec![0.1, 9.0, 0.4, 9.0, 0.35, 9.0, 0.8, 9.0]).unwrap();
    assert_eq!(roc_auc(strided.column(0), &truth).unwrap(), 0.75);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let scores = array![0.1, bad, 0.35, 0.8];
        assert!(matches!(
            roc_auc(&scores, &truth),
            Err(Error::NonFiniteScore { row: Some(1), .. })
        ));
    }
    assert!(matches!(
        roc_auc(&[0.1f32, 0.2], &[true, true]),
        Err(Error::SingleClass)
    ));
}

#[test]
fn models_are_usable_as_trait_objects() {
    let x = normal_rows(30);
    let models: Vec<Box<dyn Autoencoder<f64>>> = vec![
        Box::new(VanillaAutoencoder::<f64>::new(6, 3, 0).unwrap()),
        autoencoder::new_stacked::<f64>("relu", "sigmoid", &[6, 4, 2], 0).unwrap(),
    ];
    for model in &models {
        let codes = model.encode(x.view()).unwrap();
        assert_eq!(codes.dim(), (30, model.n_code()));
        let back = model.decode(codes.view()).unwrap();
        assert_eq!(back, model.reconstruct(x.view()).unwrap());
        assert!(matches!(
            model.encode(codes.view()),
            Err(Error::ShapeMismatch { .. })
        ));
    }
    assert!(matches!(
        autoencoder::new_vanilla::<f32>("sigmoid", "softplus", 2, 1, 0),
        Err(Error::UnknownActivation { .. })
    ));
}

/// Normal rows from two clusters on a line through the origin, and rows halfway between them:
/// a linear model reconstructs all three exactly, so only distance in code space tells the
/// middle rows apart.
fn clusters_on_a_line() -> (Array2<f64>, Array2<f64>) {
    let row = |t: f64| Array1::from_iter((1..=4).map(|j| t * j as f64 / 4.0));
    let jitter = |i: usize| 0.01 * ((i * 7) % 5) as f64;
    let normal = Array2::from_shape_fn((100, 4), |(i, j)| {
        let centre = if i % 2 == 0 { 0.1 } else { 0.9 };
        row(centre + jitter(i))[j]
    });
    let middle = Array2::from_shape_fn((10, 4), |(i, j)| row(0.5 + jitter(i))[j]);
    (normal, middle)
}

#[test]
fn code_neighbours_find_a_well_reconstructed_anomaly() {
    let (normal, middle) = clusters_on_a_line();
    // PCA's one-component model: exact on every row of the line.
    let pca = autoencoder::Pca::fit(&normal, 1).unwrap();
    let model = VanillaAutoencoder::<f64, Identity>::from_pca(&pca).unwrap();
    let reconstruction =
        AnomalyDetector::fit(model.clone(), &normal, Threshold::Contamination(0.05)).unwrap();
    let neighbours = AnomalyDetector::fit_with_scoring(
        model,
        &normal,
        Threshold::Contamination(0.05),
        Scoring::code_neighbours(),
    )
    .unwrap();
    assert_eq!(
        neighbours.scoring(),
        Scoring::CodeNeighbours { neighbours: 5 }
    );
    assert_eq!(neighbours.reference_codes().unwrap().dim(), (100, 1));
    assert!(reconstruction.reference_codes().is_none());
    let rows = ndarray::concatenate![ndarray::Axis(0), normal, middle];
    let labels: Vec<bool> = (0..110).map(|i| i >= 100).collect();
    let auc = |d: &AnomalyDetector<f64, _>| roc_auc(&d.scores(&rows).unwrap(), &labels).unwrap();
    // Reconstruction errors are rounding noise everywhere; code distances separate fully.
    assert!(auc(&reconstruction) < 0.9, "{}", auc(&reconstruction));
    assert_eq!(auc(&neighbours), 1.0);
    assert!(neighbours.predict(&middle).unwrap().iter().all(|&a| a));
    // A training row's own score leaves its code out, so about 5 % of them are flagged.
    let flagged = neighbours
        .predict(&normal)
        .unwrap()
        .iter()
        .filter(|&&a| a)
        .count();
    assert!(flagged <= 10, "{flagged} training rows flagged");
}

#[test]
fn a_number_of_neighbours_out_of_range_is_refused_before_training() {
    let x = normal_rows(20);
    for neighbours in [0, 20, 100] {
        let model = VanillaAutoencoder::<f64>::new(6, 2, 1).unwrap();
        let before = model.clone();
        let scoring = Scoring::CodeNeighbours { neighbours };
        let result = AnomalyDetector::fit_with_scoring(
            model.clone(),
            &x,
            Threshold::Contamination(0.1),
            scoring,
        );
        assert!(
            matches!(
                result,
                Err(Error::InvalidParameter {
                    name: "neighbours",
                    ..
                })
            ),
            "{neighbours}: {result:?}"
        );
        let result = AnomalyDetector::train_with_scoring(
            model,
            &x,
            &TrainConfig::new().epochs(5),
            Threshold::Contamination(0.1),
            scoring,
        );
        assert!(matches!(result, Err(Error::InvalidParameter { .. })));
        assert_eq!(
            before.w(),
            VanillaAutoencoder::<f64>::new(6, 2, 1).unwrap().w()
        );
    }
    // 19 neighbours of 20 rows: each training row has 19 others.
    let scoring = Scoring::CodeNeighbours { neighbours: 19 };
    let model = VanillaAutoencoder::<f64>::new(6, 2, 1).unwrap();
    assert!(
        AnomalyDetector::fit_with_scoring(model, &x, Threshold::Contamination(0.1), scoring)
            .is_ok()
    );
}

#[test]
fn code_neighbour_scores_are_the_mean_distance_to_the_nearest_training_codes() {
    let x = normal_rows(30);
    let model = VanillaAutoencoder::<f64>::new(6, 2, 3).unwrap();
    let scoring = Scoring::CodeNeighbours { neighbours: 3 };
    let detector =
        AnomalyDetector::fit_with_scoring(model.clone(), &x, Threshold::Fixed(1.0), scoring)
            .unwrap();
    let train_codes = model.encode(&x).unwrap();
    let query = array![
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    ];
    let codes = model.encode(&query).unwrap();
    let scores = detector.scores(&query).unwrap();
    for (code, &score) in codes.rows().into_iter().zip(&scores) {
        let expected = mean_nearest(&train_codes, code, 3, None);
        assert!(
            (score - expected).abs() <= 1e-15 * expected.max(1.0),
            "{score} vs {expected}"
        );
    }
}

/// Brute force: the mean distance from `code` to its `k` nearest rows of `reference`, leaving
/// out row `own`.
fn mean_nearest(
    reference: &Array2<f64>,
    code: ndarray::ArrayView1<'_, f64>,
    k: usize,
    own: Option<usize>,
) -> f64 {
    let mut d: Vec<f64> = reference
        .rows()
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != own)
        .map(|(_, r)| {
            r.iter()
                .zip(code)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    d.sort_by(f64::total_cmp);
    d[..k].iter().sum::<f64>() / k as f64
}

#[test]
fn training_scores_leave_each_row_out_and_set_the_threshold() {
    // 40 distinct rows.
    let rows = |n| Array2::from_shape_fn((n, 6), |(i, j)| ((i * 7 + j * 3) % 41) as f64 / 41.0);
    let x = rows(40);
    let model = VanillaAutoencoder::<f64>::new(6, 2, 3).unwrap();
    let scoring = Scoring::CodeNeighbours { neighbours: 3 };
    let rule = Threshold::Contamination(0.1);
    let detector = AnomalyDetector::fit_with_scoring(model.clone(), &x, rule, scoring).unwrap();
    let codes = model.encode(&x).unwrap();
    let scores = detector.training_scores(&x).unwrap();
    for (row, (code, &score)) in codes.rows().into_iter().zip(&scores).enumerate() {
        let expected = mean_nearest(&codes, code, 3, Some(row));
        assert!(
            (score - expected).abs() <= 1e-15 * expected.max(1.0),
            "{row}: {score} vs {expected}"
        );
    }
    // `scores` counts a training row's own code, at distance 0: every score is lower.
    let plain = detector.scores(&x).unwrap();
    assert!(plain.iter().zip(&scores).all(|(p, s)| p < s));
    // The threshold is the 0.9 quantile of the training scores: 4 of 40 above it.
    assert_eq!(
        scores.iter().filter(|&&s| detector.is_anomaly(s)).count(),
        4
    );
    // Not the training rows: fewer, reordered or others.
    let mut swapped = x.clone();
    swapped.swap([0, 0], [1, 0]);
    for other in [
        x.slice(ndarray::s![..39, ..]).to_owned(),
        swapped,
        normal_rows(41),
    ] {
        assert!(matches!(
            detector.training_scores(&other),
            Err(Error::NotTrainingRows)
        ));
    }
    // Scored by reconstruction error, the training scores are the scores.
    let reconstruction = AnomalyDetector::fit(model, &x, rule).unwrap();
    assert_eq!(
        reconstruction.training_scores(&x).unwrap(),
        reconstruction.scores(&x).unwrap()
    );
}

#[test]
fn training_scores_above_the_kept_codes_leave_out_only_kept_rows() {
    let n = autoencoder::MAX_REFERENCE_CODES + 5;
    let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 7 + j * 5) % 97) as f64 / 97.0);
    let model = VanillaAutoencoder::<f64>::new(3, 2, 1).unwrap();
    let scoring = Scoring::CodeNeighbours { neighbours: 2 };
    let detector =
        AnomalyDetector::fit_with_scoring(model.clone(), &x, Threshold::Fixed(1.0), scoring)
            .unwrap();
    let reference = detector.reference_codes().unwrap().to_owned();
    let codes = model.encode(&x).unwrap();
    let scores = detector.training_scores(&x).unwrap();
    // Row `j * n / kept` is kept as reference `j`; the rows in between are not.
    let kept = autoencoder::MAX_REFERENCE_CODES;
    for own in [0, 1, kept - 1] {
        let row = own * n / kept;
        let expected = mean_nearest(&reference, codes.row(row), 2, Some(own));
        assert!((scores[row] - expected).abs() <= 1e-15 * expected.max(1.0));
    }
    let skipped = (0..n)
        .find(|&r| (0..kept).all(|j| j * n / kept != r))
        .unwrap();
    let expected = mean_nearest(&reference, codes.row(skipped), 2, None);
    assert!((scores[skipped] - expected).abs() <= 1e-15 * expected.max(1.0));
}
