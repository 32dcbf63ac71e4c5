//! Reproduces the reference runs in `tests/fixtures/deep/` (see the README there) through the
//! public API, in f64, within 1e-9: three untied single layers (`UntiedAutoencoder::from_parts`
//! then `fit`) and two stacked tied models (`StackedAutoencoder::from_levels` then `fit`,
//! end-to-end fine-tuning).

use crate::common;

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Activation, Identity, Loss, Optimizer, Sigmoid, StackedAutoencoder, Tanh, TrainConfig,
    UntiedAutoencoder,
};
use common::{FIXTURE_TOL_F64, fixture_dir, max_abs_diff, max_rel_diff};
use ndarray::{Array1, Array2};
use serde_json::Value;

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_vec((rows.len(), rows[0].len()), rows.concat()).unwrap()
}

fn vector(v: &Value) -> Array1<f64> {
    Array1::from(serde_json::from_value::<Vec<f64>>(v.clone()).unwrap())
}

fn config_of(c: &Value) -> TrainConfig {
    let number = |key: &str| c.get(key).and_then(Value::as_f64);
    let mut config = TrainConfig::new()
        .learning_rate(number("learning_rate").unwrap())
        .momentum(number("momentum").unwrap_or(0.0))
        .weight_decay(number("weight_decay").unwrap_or(0.0))
        .batch_size(c["batch_size"].as_u64().unwrap() as usize)
        .epochs(c["epochs"].as_u64().unwrap() as usize)
        .shuffle(false)
        .loss(match c["loss"].as_str().unwrap() {
            "mse" => Loss::Mse,
            "bce" => Loss::BinaryCrossEntropy,
            other => panic!("unknown loss {other}"),
        });
    if c.get("optimizer").and_then(Value::as_str) == Some("adam") {
        config = config.optimizer(Optimizer::Adam {
            beta1: number("beta1").unwrap_or(0.9),
            beta2: number("beta2").unwrap_or(0.999),
            epsilon: number("eps").unwrap_or(1e-8),
        });
    }
    config
}

/// Worst parameter deviation (absolute) and epoch-loss deviation (relative) of an untied run.
fn untied<A: Activation, O: Activation>(fixture: &Value) -> (f64, f64) {
    let (init, expected) = (&fixture["init"], &fixture["expected"]);
    let mut model = UntiedAutoencoder::<f64, A, O>::from_parts(
        matrix(&init["w"]),
        matrix(&init["v"]),
        vector(&init["b1"]),
        vector(&init["b2"]),
    )
    .unwrap();
    let report = model
        .fit(
            &breast_cancer_wisconsin().features,
            &config_of(&fixture["config"]),
        )
        .unwrap();
    let params = max_abs_diff(model.w().iter(), matrix(&expected["w"]).iter())
        .max(max_abs_diff(
            model.v().iter(),
            matrix(&expected["v"]).iter(),
        ))
        .max(max_abs_diff(
            model.b1().iter(),
            vector(&expected["b1"]).iter(),
        ))
        .max(max_abs_diff(
            model.b2().iter(),
            vector(&expected["b2"]).iter(),
        ));
    let losses: Vec<f64> = serde_json::from_value(expected["epoch_losses"].clone()).unwrap();
    (params, max_rel_diff(report.epoch_losses(), &losses))
}

/// As [`untied`], for a stacked run.
fn stacked<A: Activation, O: Activation>(fixture: &Value) -> (f64, f64) {
    let levels = |v: &Value| -> Vec<(Array2<f64>, Array1<f64>, Array1<f64>)> {
        let levels = v["levels"].as_array().unwrap();
        levels
            .iter()
            .map(|l| (matrix(&l["w"]), vector(&l["b1"]), vector(&l["b2"])))
            .collect()
    };
    let mut model = StackedAutoencoder::<f64, A, O>::from_levels(levels(&fixture["init"])).unwrap();
    let sizes: Vec<usize> =
        serde_json::from_value(fixture["config"]["layer_sizes"].clone()).unwrap();
    assert_eq!(model.layer_sizes(), sizes);
    let report = model
        .fit(
            &breast_cancer_wisconsin().features,
            &config_of(&fixture["config"]),
        )
        .unwrap();
    let expected = &fixture["expected"];
    let mut params = 0.0_f64;
    for (k, (w, b1, b2)) in levels(expected).iter().enumerate() {
        let (gw, gb1, gb2) = model.level(k);
        params = params
            .max(max_abs_diff(gw.iter(), w.iter()))
            .max(max_abs_diff(gb1.iter(), b1.iter()))
            .max(max_abs_diff(gb2.iter(), b2.iter()));
    }
    let losses: Vec<f64> = serde_json::from_value(expected["epoch_losses"].clone()).unwrap();
    (params, max_rel_diff(report.epoch_losses(), &losses))
}

#[test]
fn every_deep_run_is_reproduced() {
    let dir = fixture_dir().join("deep");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 5, "three untied and two stacked runs");
    for path in paths {
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let c = &fixture["config"];
        let name = c["name"].as_str().unwrap();
        let activations = (
            c["activation"].as_str().unwrap(),
            c.get("output_activation").and_then(Value::as_str),
        );
        let is_stack = c.get("layer_sizes").is_some();
        let (params, losses) = match (is_stack, activations) {
            (false, ("sigmoid", None)) => untied::<Sigmoid, Sigmoid>(&fixture),
            (false, ("tanh", Some("identity"))) => untied::<Tanh, Identity>(&fixture),
            (true, ("sigmoid", None)) => stacked::<Sigmoid, Sigmoid>(&fixture),
            (true, ("tanh", Some("identity"))) => stacked::<Tanh, Identity>(&fixture),
            other => panic!("{name}: no case for {other:?}"),
        };
        println!("{name:<52} params {params:.2e}  losses {losses:.2e}");
        assert!(
            params <= FIXTURE_TOL_F64,
            "{name}: parameters off by {params}"
        );
        assert!(losses <= FIXTURE_TOL_F64, "{name}: losses off by {losses}");
    }
}
