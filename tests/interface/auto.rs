//! The automatic model choice (`fit_auto`): it keeps the candidate with the lowest validation
//! loss, PCA's solution among them, is deterministic for a seed, honours its settings and
//! rejects bad ones before training.

use std::time::Duration;

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{AutoConfig, Candidate, Error, Pca, fit_auto};
use ndarray::Array2;

/// Few iterations: the tests check the choice, not how far training goes (debug builds).
fn quick(k: usize) -> AutoConfig {
    AutoConfig::new(k).max_iterations(40)
}

#[test]
fn the_chosen_model_has_the_lowest_validation_loss_and_never_loses_to_pca() {
    let x = breast_cancer_wisconsin().features;
    for k in [2, 3] {
        let (model, report) = fit_auto(&x, &quick(k)).unwrap();
        assert_eq!((model.n_inputs(), model.n_code()), (9, k));
        assert_eq!(report.n_train + report.n_validation, x.nrows());
        assert_eq!(
            report.n_validation,
            (x.nrows() as f64 * 0.2).ceil() as usize
        );
        let names: Vec<Candidate> = report.candidates.iter().map(|c| c.candidate).collect();
        assert_eq!(names, Candidate::ALL);
        let losses: Vec<f64> = report
            .candidates
            .iter()
            .map(|c| c.validation_loss.unwrap())
            .collect();
        let best = losses.iter().copied().fold(f64::INFINITY, f64::min);
        let chosen = report
            .candidates
            .iter()
            .find(|c| c.candidate == report.chosen)
            .unwrap();
        // A later candidate replaces the best so far only when clearly lower (2 % and 1.645
        // standard errors, tested in src/auto.rs), so the linear one (PCA's solution) is never
        // better than the chosen one.
        let chosen_loss = chosen.validation_loss.unwrap();
        assert!(chosen_loss <= losses[0], "{losses:?}");
        assert!(best <= chosen_loss);
        for c in &report.candidates[1..] {
            assert!(c.iterations > 0 && c.iterations <= 40, "{c:?}");
        }
        assert_eq!(report.candidates[1].layer_sizes, [9, (4 * k).max(5), k]);
    }
}

#[test]
fn the_same_seed_gives_the_same_model() {
    let x = breast_cancer_wisconsin().features;
    let (a, ra) = fit_auto(&x, &quick(2).seed(3)).unwrap();
    let (b, rb) = fit_auto(&x, &quick(2).seed(3)).unwrap();
    assert_eq!(ra.chosen, rb.chosen);
    assert_eq!(
        a.reconstruct(x.view()).unwrap(),
        b.reconstruct(x.view()).unwrap()
    );
    let (_, rc) = fit_auto(&x, &quick(2).seed(4)).unwrap();
    assert_ne!(
        ra.candidates[1].validation_loss, rc.candidates[1].validation_loss,
        "another seed, another split and start"
    );
}

/// Rows on a closed curve: one code unit describes them, no single principal axis does.
fn curve() -> Array2<f64> {
    Array2::from_shape_fn((400, 4), |(i, j)| {
        let t = i as f64 / 400.0 * std::f64::consts::TAU;
        match j {
            0 => t.cos(),
            1 => t.sin(),
            2 => (2.0 * t).cos() * 0.5,
            _ => (2.0 * t).sin() * 0.5,
        }
    })
}

#[test]
fn a_nonlinear_model_wins_on_curved_data() {
    let x = curve();
    let (_, report) = fit_auto(&x, &AutoConfig::new(2).max_iterations(300)).unwrap();
    assert_ne!(report.chosen, Candidate::Linear, "{report:?}");
    let linear = report.candidates[0].validation_loss.unwrap();
    let chosen = report
        .candidates
        .iter()
        .find(|c| c.candidate == report.chosen)
        .unwrap();
    assert!(chosen.validation_loss.unwrap() < 0.5 * linear, "{report:?}");
}

/// The single layers train only while the deep model does not lead.
#[test]
fn the_single_layers_are_skipped_once_the_deep_model_leads() {
    let x = curve();
    let (_, report) = fit_auto(&x, &AutoConfig::new(2).max_iterations(300)).unwrap();
    assert_eq!(report.chosen, Candidate::Deep, "{report:?}");
    for c in &report.candidates[2..] {
        assert!(matches!(c.candidate, Candidate::Untied | Candidate::Tied));
        assert_eq!((c.validation_loss, c.iterations), (None, 0), "{c:?}");
    }
    // Listed before the deep model, they train.
    let order = [
        Candidate::Linear,
        Candidate::Untied,
        Candidate::Tied,
        Candidate::Deep,
    ];
    let config = AutoConfig::new(2).max_iterations(300).candidates(&order);
    let (_, report) = fit_auto(&x, &config).unwrap();
    for c in &report.candidates {
        assert!(c.validation_loss.is_some(), "{c:?}");
    }
    assert_eq!(report.chosen, Candidate::Deep, "{report:?}");
}

#[test]
fn only_the_linear_candidate_is_pca() {
    let x = breast_cancer_wisconsin().features;
    let config = quick(3).candidates(&[Candidate::Linear]);
    let (model, report) = fit_auto(&x, &config).unwrap();
    assert_eq!(report.chosen, Candidate::Linear);
    assert_eq!(report.candidates.len(), 1);
    // PCA fitted on the training part; its error there is the model's.
    let errors = model.reconstruction_errors(x.view()).unwrap();
    assert!(errors.iter().all(|e| e.is_finite()));
    assert!(Pca::fit(&x, 3).unwrap().training_error() <= errors.mean().unwrap() + 1e-12);
}

/// The refit starts from the chosen model (not afresh) and lowers its loss on every row: each
/// L-BFGS iteration on those rows lowers it or leaves it.
#[test]
fn the_refit_trains_the_chosen_model_further_on_every_row() {
    let x = breast_cancer_wisconsin().features;
    let config = quick(2).candidates(&[Candidate::Deep]);
    let (on_split, split_report) = fit_auto(&x, &config.clone().refit(false)).unwrap();
    let (refitted, report) = fit_auto(&x, &config).unwrap();
    assert!(!split_report.refitted && report.refitted);
    let losses = |r: &autoencoder::AutoReport| r.candidates[0].validation_loss;
    assert_eq!(losses(&split_report), losses(&report));
    let mean_error = |errors: ndarray::Array1<f64>| errors.mean().unwrap();
    let before = mean_error(on_split.reconstruction_errors(x.view()).unwrap());
    let after = mean_error(refitted.reconstruction_errors(x.view()).unwrap());
    assert!(after < before, "{after} >= {before}");
}

/// A budget of zero: the linear candidate (no training) still runs, the others are skipped.
#[test]
fn a_spent_budget_skips_the_trained_candidates() {
    let x = breast_cancer_wisconsin().features;
    let (_, report) = fit_auto(&x, &quick(2).time_budget(Duration::ZERO)).unwrap();
    assert_eq!(report.chosen, Candidate::Linear);
    assert!(!report.refitted, "no time left to fit PCA again");
    for c in &report.candidates[1..] {
        assert_eq!((c.validation_loss, c.iterations), (None, 0), "{c:?}");
    }
    // A budget past the end of time is no budget.
    assert!(fit_auto(&x, &quick(2).time_budget(Duration::MAX)).is_ok());
}

#[test]
fn the_lbfgs_history_reaches_the_training_and_defaults_to_ten_pairs() {
    let x = breast_cancer_wisconsin().features;
    let deep_loss = |config: AutoConfig| {
        let (_, report) = fit_auto(&x, &config.candidates(&[Candidate::Deep])).unwrap();
        report.candidates[0].validation_loss.unwrap().to_bits()
    };
    let default = deep_loss(quick(2));
    assert_eq!(default, deep_loss(quick(2).lbfgs_history(10)));
    assert_ne!(default, deep_loss(quick(2).lbfgs_history(3)));
}

#[test]
fn bad_settings_and_data_are_rejected() {
    let x = breast_cancer_wisconsin().features;
    let name_of = |config: AutoConfig| match fit_auto(&x, &config) {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    assert_eq!(name_of(AutoConfig::new(0)), "code_size");
    assert_eq!(name_of(AutoConfig::new(10)), "code_size");
    assert_eq!(
        name_of(AutoConfig::new(2).validation_fraction(1.0)),
        "validation_fraction"
    );
    assert_eq!(
        name_of(AutoConfig::new(2).max_iterations(0)),
        "max_iterations"
    );
    assert_eq!(name_of(AutoConfig::new(2).patience(0)), "patience");
    assert_eq!(name_of(AutoConfig::new(2).candidates(&[])), "candidates");
    for pairs in [0, 101] {
        assert_eq!(
            name_of(AutoConfig::new(2).lbfgs_history(pairs)),
            "lbfgs_history"
        );
    }
    assert!(matches!(
        fit_auto(&Array2::<f64>::zeros((1, 3)), &AutoConfig::new(1)),
        Err(Error::InvalidParameter { name: "rows", .. })
    ));
    assert!(matches!(
        fit_auto(&Array2::<f64>::zeros((0, 3)), &AutoConfig::new(1)),
        Err(Error::EmptyInput)
    ));
    let mut nan = Array2::<f64>::zeros((5, 3));
    nan[[2, 1]] = f64::NAN;
    assert!(matches!(
        fit_auto(&nan, &AutoConfig::new(1)),
        Err(Error::NonFiniteInput {
            row: 2,
            column: 1,
            ..
        })
    ));
}
