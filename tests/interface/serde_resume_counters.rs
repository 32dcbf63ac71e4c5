#![cfg(feature = "serde")]
//! Training states from outside (a file, or any deserialiser) with extreme counters resume to a
//! correct result or a typed error: never an overflow panic.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Control, EpochStats, Error, LearningRateSchedule, Observer, Optimizer, TrainConfig, TrainState,
    VanillaAutoencoder,
};
use ndarray::Array2;
use serde_json::{Value, json};

use crate::serde_common;

fn data() -> Array2<f64> {
    breast_cancer_wisconsin().features
}

/// A model and its state after two epochs of `config`.
fn start(config: &TrainConfig) -> (VanillaAutoencoder<f64>, TrainState<f64>) {
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    let report = model.fit(&data(), &config.clone().epochs(2)).unwrap();
    (model, report.into_state())
}

/// `state` with the JSON member at `pointer` set to `value`, deserialised again.
fn crafted(state: &TrainState<f64>, pointer: &str, value: Value) -> TrainState<f64> {
    let mut v = serde_json::to_value(state).unwrap();
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = value;
    serde_json::from_value(v).unwrap()
}

fn early_stopping() -> TrainConfig {
    TrainConfig::new()
        .epochs(6)
        .batch_size(16)
        .early_stopping(2, 0.0)
}

fn plateau() -> TrainConfig {
    TrainConfig::new()
        .epochs(6)
        .batch_size(16)
        .schedule(LearningRateSchedule::ReduceOnPlateau {
            factor: 0.5,
            patience: 1,
            min_delta: 0.0,
            min_learning_rate: 0.0,
        })
}

/// Counters that no run can reach: each gives a typed error from `fit_resume`, with the model
/// untouched.
#[test]
fn impossible_counters_are_refused_by_fit_resume() {
    let cases = [
        (early_stopping(), "/best/waited", json!(usize::MAX)),
        (early_stopping(), "/best/epoch", json!(usize::MAX)),
        (early_stopping(), "/best/epoch", json!(2)),
        (plateau(), "/schedule/bad_epochs", json!(usize::MAX)),
        (plateau(), "/schedule/bad_epochs", json!(2)),
    ];
    for (config, pointer, value) in cases {
        let (model, state) = start(&config);
        let what = format!("{pointer} = {value}");
        assert_refused(&model, &config, crafted(&state, pointer, value), &what);
    }
}

/// `fit_resume` from `state` gives `IncompatibleTrainState` and leaves `model` as it was.
fn assert_refused(
    model: &VanillaAutoencoder<f64>,
    config: &TrainConfig,
    state: TrainState<f64>,
    what: &str,
) {
    let mut resumed = model.clone();
    let err = resumed
        .fit_resume(&data(), config, state, &mut ())
        .unwrap_err();
    assert!(
        matches!(err, Error::IncompatibleTrainState { .. }),
        "{what}: {err:?}"
    );
    assert_eq!(&resumed, model, "{what}");
}

/// Arrays of the wrong shape, or latest parameters without early stopping, are refused before
/// anything is copied into the model.
#[test]
fn misshapen_states_are_refused_by_fit_resume() {
    let config = early_stopping();
    let (model, state) = start(&config);
    let cases = [
        (
            "/optimizers/0/Sgd/velocity/b1",
            json!({"v": 1, "dim": [4], "data": [0.0, 0.0, 0.0, 0.0]}),
        ),
        (
            "/best/params/0/b2",
            json!({"v": 1, "dim": [1], "data": [0.0]}),
        ),
        (
            "/latest_params/0/b1",
            json!({"v": 1, "dim": [1], "data": [0.0]}),
        ),
        ("/latest_params", json!([])),
    ];
    for (pointer, value) in cases {
        assert_refused(&model, &config, crafted(&state, pointer, value), pointer);
    }
    let config = TrainConfig::new().batch_size(16);
    let (model, state) = start(&config);
    // Latest parameters of the right shape, without the early-stopping record they go with.
    let mut v = serde_json::to_value(&state).unwrap();
    v["latest_params"] = json!([v["optimizers"][0]["Sgd"]["velocity"].clone()]);
    let state: TrainState<f64> = serde_json::from_value(v).unwrap();
    assert_refused(&model, &config, state, "latest parameters alone");
}

/// Adam's step count saturates: from `u64::MAX` training goes on, exactly as from any count past
/// `i32::MAX` (where the bias corrections are already exactly 1).
#[test]
fn adam_step_count_at_its_maximum_resumes() {
    let config = TrainConfig::new()
        .epochs(4)
        .batch_size(16)
        .learning_rate(0.01)
        .optimizer(Optimizer::adam());
    let (model, state) = start(&config);
    let run = |steps: u64| {
        let state = crafted(&state, "/optimizers/0/Adam/steps", json!(steps));
        let mut resumed = model.clone();
        let report = resumed
            .fit_resume(&data(), &config, state, &mut ())
            .unwrap();
        (resumed, report.epoch_losses().to_vec())
    };
    let (at_max, losses) = run(u64::MAX);
    assert_eq!(losses.len(), 2);
    assert!(at_max.w().iter().all(|v| v.is_finite()));
    assert_eq!(run(1 << 40), (at_max, losses));
}

/// The epoch counter near `usize::MAX`: the last epochs run, and a state that has run them all
/// is refused.
#[test]
fn epoch_counter_near_its_maximum_resumes() {
    for config in [
        TrainConfig::new().batch_size(16),
        early_stopping(),
        plateau(),
    ] {
        let config = config.epochs(usize::MAX);
        let (model, state) = start(&config);
        let mut v = serde_json::to_value(&state).unwrap();
        v["next_epoch"] = json!(usize::MAX - 2);
        if !v["best"].is_null() {
            v["best"]["epoch"] = json!(usize::MAX - 3);
        }
        let state: TrainState<f64> = serde_json::from_value(v).unwrap();
        let mut resumed = model.clone();
        let report = resumed
            .fit_resume(&data(), &config, state, &mut ())
            .unwrap();
        assert_eq!(report.epoch_losses().len(), 2);
        assert_eq!(report.state().epoch(), usize::MAX);
        let again = resumed.fit_resume(&data(), &config, report.into_state(), &mut ());
        assert!(matches!(again, Err(Error::IncompatibleTrainState { .. })));
    }
}

/// Stops after three epochs.
struct StopAfterThree;

impl Observer<f64> for StopAfterThree {
    fn on_epoch_end(&mut self, stats: &EpochStats<f64>) -> Control {
        if stats.epoch >= 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

/// The largest epoch count is a bound, not an allocation.
#[test]
fn the_largest_epoch_count_trains_until_stopped() {
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    let config = TrainConfig::new().epochs(usize::MAX).batch_size(32);
    let report = model
        .fit_with_observer(&data(), &config, &mut StopAfterThree)
        .unwrap();
    assert_eq!(report.epoch_losses().len(), 3);
}

/// Through a file: a crafted count past any run is a corrupt checkpoint; Adam's maximum loads
/// and resumes.
#[test]
fn checkpoint_files_with_extreme_counters() {
    let path = std::env::temp_dir().join(format!("counters-{}.json", std::process::id()));
    let config = early_stopping()
        .optimizer(Optimizer::adam())
        .learning_rate(0.01);
    let (model, state) = start(&config);
    model.save_checkpoint(&path, &state).unwrap();
    let json = std::fs::read_to_string(&path).unwrap();
    let write =
        |f: &dyn Fn(&mut Value)| std::fs::write(&path, serde_common::edit(&json, f)).unwrap();

    write(&|v| v["state"]["best"]["waited"] = json!(usize::MAX));
    assert!(matches!(
        VanillaAutoencoder::<f64>::load_checkpoint(&path),
        Err(Error::CorruptModel { .. })
    ));
    write(&|v| v["state"]["optimizers"][0]["Adam"]["steps"] = json!(u64::MAX));
    let (mut resumed, state) = VanillaAutoencoder::<f64>::load_checkpoint(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let report = resumed
        .fit_resume(&data(), &config, state, &mut ())
        .unwrap();
    assert!(!report.epoch_losses().is_empty());
}
