//! Reproduces the capability reference runs in `tests/fixtures/capabilities/` (Adam, KL
//! sparsity, contractive penalty with BCE, tanh hidden with identity output) through the public
//! API, in f64, within 1e-9.

use crate::common;

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Activation, Identity, Optimizer, Sigmoid, Tanh, TrainConfig, VanillaAutoencoder,
};
use common::*;

fn config_of(fixture: &Fixture) -> TrainConfig {
    let c = &fixture.config;
    let mut config = c.train_config();
    if c.optimizer.as_deref() == Some("adam") {
        config = config.optimizer(Optimizer::Adam {
            beta1: c.beta1.unwrap_or(0.9),
            beta2: c.beta2.unwrap_or(0.999),
            epsilon: c.eps.unwrap_or(1e-8),
        });
    }
    if let Some(s) = &c.sparsity {
        config = config.sparsity(s.rho, s.beta);
    }
    if let Some(lambda) = c.contractive {
        config = config.contractive(lambda);
    }
    config
}

/// Worst parameter deviation (absolute) and epoch-loss deviation (relative).
fn run<A: Activation, O: Activation>(fixture: &Fixture) -> (f64, f64) {
    let x = breast_cancer_wisconsin().features;
    let (w, b1, b2) = fixture.init.arrays();
    let mut model = VanillaAutoencoder::<f64, A, O>::from_parts(w, b1, b2).unwrap();
    let report = model.fit(&x, &config_of(fixture)).unwrap();
    let (ew, eb1, eb2) = fixture.expected.params().arrays();
    let params = max_abs_diff(model.w().iter(), ew.iter())
        .max(max_abs_diff(model.b1().iter(), eb1.iter()))
        .max(max_abs_diff(model.b2().iter(), eb2.iter()));
    (
        params,
        max_rel_diff(report.epoch_losses(), &fixture.expected.epoch_losses),
    )
}

#[test]
fn every_capability_run_is_reproduced() {
    let fixtures = load_fixtures(&fixture_dir().join("capabilities"));
    assert_eq!(fixtures.len(), 4);
    for fixture in &fixtures {
        let c = &fixture.config;
        let (params, losses) = match (c.activation.as_str(), c.output_activation.as_deref()) {
            ("sigmoid", None) => run::<Sigmoid, Sigmoid>(fixture),
            ("tanh", Some("identity")) => run::<Tanh, Identity>(fixture),
            other => panic!("no case for {other:?}"),
        };
        println!("{:<42} params {params:.2e}  losses {losses:.2e}", c.name);
        assert!(
            params <= FIXTURE_TOL_F64,
            "{}: parameters off by {params}",
            c.name
        );
        assert!(
            losses <= FIXTURE_TOL_F64,
            "{}: losses off by {losses}",
            c.name
        );
    }
}
