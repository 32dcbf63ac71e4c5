//! Reproduces the reference runs in `tests/fixtures/` through the public API.
//!
//! Each fixture trains from given initial parameters on the Wisconsin data (683 rows scaled
//! `(v − 1) / 9`, file order, no shuffling) and records every epoch's loss and the final
//! parameters. They were computed by an independent numpy implementation and cross-checked with
//! PyTorch.

use crate::common;

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{Activation, Float, Identity, Sigmoid, Tanh, TrainConfig, VanillaAutoencoder};
use common::*;
use ndarray::Array2;

/// Worst deviations of one run: parameters (absolute), epoch losses and final loss (relative).
#[derive(Debug, Default)]
struct Deviation {
    params: f64,
    losses: f64,
    final_loss: f64,
}

fn config_of(fixture: &Fixture) -> TrainConfig {
    fixture.config.train_config()
}

fn run<F: Float, A: Activation>(fixture: &Fixture, x: &Array2<f64>) -> Deviation {
    let (w, b1, b2) = fixture.init.arrays();
    let cast = |v: &f64| F::cast(*v);
    let mut model =
        VanillaAutoencoder::<F, A>::from_parts(w.map(cast), b1.map(cast), b2.map(cast)).unwrap();
    let x = x.map(cast);
    let config = config_of(fixture);
    let report = model.fit(&x, &config).unwrap();

    let losses: Vec<f64> = report.epoch_losses().iter().map(|v| v.as_f64()).collect();
    let (ew, eb1, eb2) = fixture.expected.params().arrays();
    let widen = |a: ndarray::ArrayView1<F>| a.iter().map(|v| v.as_f64()).collect::<Vec<_>>();
    let got_w: Vec<f64> = model.w().iter().map(|v| v.as_f64()).collect();
    let params = max_abs_diff(&got_w, ew.iter())
        .max(max_abs_diff(&widen(model.b1()), eb1.iter()))
        .max(max_abs_diff(&widen(model.b2()), eb2.iter()));
    let final_loss = match fixture.expected.final_loss {
        Some(expected) => {
            let got = model
                .loss(&x, config.check_ref().unwrap().loss())
                .unwrap()
                .as_f64();
            (got - expected).abs() / expected.abs()
        }
        None => 0.0,
    };
    Deviation {
        params,
        losses: max_rel_diff(&losses, &fixture.expected.epoch_losses),
        final_loss,
    }
}

fn run_any<F: Float>(fixture: &Fixture, x: &Array2<f64>) -> Deviation {
    assert!(fixture.config.output_activation.is_none() && fixture.config.optimizer.is_none());
    match fixture.config.activation.as_str() {
        "sigmoid" => run::<F, Sigmoid>(fixture, x),
        "tanh" => run::<F, Tanh>(fixture, x),
        "identity" => run::<F, Identity>(fixture, x),
        other => panic!("unknown activation {other}"),
    }
}

fn check_all<F: Float>(tolerance: f64) {
    let data = breast_cancer_wisconsin();
    let fixtures = load_fixtures(&fixture_dir());
    assert_eq!(fixtures.len(), 5);
    for fixture in &fixtures {
        assert_eq!(fixture.n_samples, data.features.nrows());
        let dev = run_any::<F>(fixture, &data.features);
        println!("{:<36} {dev:?}", fixture.config.name);
        assert!(
            dev.params <= tolerance,
            "{}: parameters off by {}",
            fixture.config.name,
            dev.params
        );
        assert!(
            dev.losses <= tolerance,
            "{}: epoch losses off by {}",
            fixture.config.name,
            dev.losses
        );
        assert!(
            dev.final_loss <= tolerance,
            "{}: final loss off by {}",
            fixture.config.name,
            dev.final_loss
        );
    }
}

#[test]
fn every_fixture_is_reproduced_in_f64() {
    check_all::<f64>(FIXTURE_TOL_F64);
}

#[test]
fn every_fixture_is_reproduced_in_f32() {
    check_all::<f32>(FIXTURE_TOL_F32);
}
