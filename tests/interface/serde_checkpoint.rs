#![cfg(feature = "serde")]
//! Checkpoints: a training state saved to a file resumes bit for bit.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Error, LearningRateSchedule, Noise, Optimizer, StackedAutoencoder, TrainConfig,
    VanillaAutoencoder,
};

use crate::serde_common;

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{name}-{}.json", std::process::id()))
}

#[test]
fn resuming_from_a_checkpoint_file_is_bit_identical() {
    let x = breast_cancer_wisconsin().features;
    let configs = [
        TrainConfig::new().epochs(5).batch_size(8).seed(2),
        TrainConfig::new()
            .epochs(5)
            .batch_size(16)
            .optimizer(Optimizer::adam())
            .learning_rate(0.01)
            .noise(Noise::Masking { fraction: 0.2 })
            .schedule(LearningRateSchedule::StepDecay {
                step: 2,
                gamma: 0.5,
            })
            .validation_fraction(0.2)
            .early_stopping(2, 0.0)
            .seed(3),
    ];
    for (i, config) in configs.iter().enumerate() {
        let path = temp(&format!("checkpoint-{i}"));
        let start = VanillaAutoencoder::<f32>::new(9, 5, 1).unwrap();
        let mut whole = start.clone();
        whole.fit(&x.mapv(|v| v as f32), config).unwrap();

        let x32 = x.mapv(|v| v as f32);
        let mut first = start.clone();
        let report = first.fit(&x32, &config.clone().epochs(2)).unwrap();
        first.save_checkpoint(&path, report.state()).unwrap();
        drop(first);
        let (mut resumed, state) = VanillaAutoencoder::<f32>::load_checkpoint(&path).unwrap();
        assert_eq!(&state, report.state());
        resumed.fit_resume(&x32, config, state, &mut ()).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(resumed, whole, "config {i}");
    }
}

#[test]
fn stack_checkpoints_resume_too() {
    let x = breast_cancer_wisconsin().features;
    let config = TrainConfig::new().epochs(3).batch_size(16).seed(4);
    let start = StackedAutoencoder::<f64>::new(&[9, 6, 3], 2).unwrap();
    let mut whole = start.clone();
    whole.fit(&x, &config).unwrap();
    let mut first = start;
    let report = first.fit(&x, &config.clone().epochs(1)).unwrap();
    let path = temp("stack-checkpoint");
    first.save_checkpoint(&path, report.state()).unwrap();
    let (mut resumed, state) = StackedAutoencoder::<f64>::load_checkpoint(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    resumed.fit_resume(&x, &config, state, &mut ()).unwrap();
    assert_eq!(resumed, whole);
}

#[test]
fn corrupt_checkpoints_give_typed_errors() {
    let x = breast_cancer_wisconsin().features;
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    let report = model.fit(&x, &TrainConfig::new().epochs(1)).unwrap();
    let path = temp("corrupt-checkpoint");
    model.save_checkpoint(&path, report.state()).unwrap();
    let json = std::fs::read_to_string(&path).unwrap();
    let load = |text: &str| {
        std::fs::write(&path, text).unwrap();
        VanillaAutoencoder::<f64>::load_checkpoint(&path)
    };
    let edit = |f: &dyn Fn(&mut serde_json::Value)| serde_common::edit(&json, f);
    assert!(matches!(
        load(&json[..json.len() - 20]),
        Err(Error::CorruptModel { .. })
    ));
    assert!(matches!(
        load(&edit(&|v| v["version"] = 7.into())),
        Err(Error::UnsupportedVersion { .. })
    ));
    // A velocity of the wrong shape does not fit the model.
    let shrunk = edit(&|v| {
        v["state"]["optimizers"][0]["Sgd"]["velocity"]["b1"]["data"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    assert!(matches!(load(&shrunk), Err(Error::CorruptModel { .. })));
    // A model of another shape than the state's.
    let other = VanillaAutoencoder::<f64>::new(9, 4, 1)
        .unwrap()
        .to_json_string();
    let swapped = edit(&|v| v["model"] = serde_json::from_str(&other).unwrap());
    assert!(matches!(load(&swapped), Err(Error::CorruptModel { .. })));
    assert!(matches!(
        autoencoder::StackedAutoencoder::<f64>::load_checkpoint(&path),
        Err(Error::CorruptModel { .. })
    ));
    std::fs::remove_file(&path).unwrap();
}
