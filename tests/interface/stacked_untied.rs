//! Stacks of untied levels: their gradient against finite differences, a one-level stack
//! against the untied model, training, one-row inference and resumption.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{
    Activation, Error, Identity, Loss, Relu, Sigmoid, StackedAutoencoder, Tanh, TrainConfig,
    UntiedAutoencoder, UntiedLevelParts,
};
use ndarray::{Array2, s};

#[cfg(feature = "serde")]
use crate::serde_common;

/// Five-point stencil, as in `tests/interface/stacked.rs`: truncation ~h⁴ (1e-12), round-off ~1e-14.
const STEP: f64 = 1e-3;
const MAX_RELATIVE_ERROR: f64 = 1e-6;
const FLOOR: f64 = 1e-8;

/// Every `W`, `V`, `b1`, `b2` entry of every level of a 9-6-4-3 untied stack.
fn worst_error<A: Activation, O: Activation>(loss: Loss) -> f64 {
    let x = breast_cancer_wisconsin()
        .features
        .slice(s![..6, ..])
        .to_owned();
    let stack = StackedAutoencoder::<f64, A, O>::new_untied(&[9, 6, 4, 3], 11).unwrap();
    let levels: Vec<UntiedLevelParts<f64>> = (0..stack.n_levels())
        .map(|k| {
            let (w, b1, b2) = stack.level(k);
            let v = stack.level_v(k).unwrap().to_owned();
            let b1 = b1.mapv(|_| 0.1 * k as f64 - 0.05);
            (w.to_owned(), v, b1, b2.mapv(|_| 0.07))
        })
        .collect();
    let build = |levels: &Vec<UntiedLevelParts<f64>>| {
        StackedAutoencoder::<f64, A, O>::from_untied_levels(levels.clone()).unwrap()
    };
    let (_, grads) = build(&levels).loss_and_gradient(&x, loss).unwrap();
    assert_eq!(grads.len(), 6, "three level blocks, then three V blocks");
    let n = levels.len();
    let mut worst: f64 = 0.0;
    for k in 0..n {
        for part in 0..4 {
            let (len, analytic): (usize, Vec<f64>) = match part {
                0 => (levels[k].0.len(), grads[k].w.iter().copied().collect()),
                1 => (levels[k].1.len(), grads[n + k].w.iter().copied().collect()),
                2 => (levels[k].2.len(), grads[k].b1.to_vec()),
                _ => (levels[k].3.len(), grads[k].b2.to_vec()),
            };
            for (i, &analytic) in analytic.iter().enumerate().take(len) {
                let at = |delta: f64| {
                    let mut l = levels.clone();
                    match part {
                        0 => l[k].0.as_slice_mut().unwrap()[i] += delta,
                        1 => l[k].1.as_slice_mut().unwrap()[i] += delta,
                        2 => l[k].2[i] += delta,
                        _ => l[k].3[i] += delta,
                    }
                    build(&l).loss(&x, loss).unwrap()
                };
                let numeric = (at(-2.0 * STEP) - 8.0 * at(-STEP) + 8.0 * at(STEP) - at(2.0 * STEP))
                    / (12.0 * STEP);
                let error = (analytic - numeric).abs() / analytic.abs().max(numeric.abs());
                worst = worst.max(if numeric.abs().max(analytic.abs()) < FLOOR {
                    0.0
                } else {
                    error
                });
            }
        }
    }
    worst
}

#[test]
fn untied_stack_gradient_matches_finite_differences() {
    for (name, e) in [
        ("sigmoid/mse", worst_error::<Sigmoid, Sigmoid>(Loss::Mse)),
        (
            "sigmoid/bce",
            worst_error::<Sigmoid, Sigmoid>(Loss::BinaryCrossEntropy),
        ),
        (
            "tanh, identity output/mse",
            worst_error::<Tanh, Identity>(Loss::Mse),
        ),
        (
            "tanh, sigmoid output/bce",
            worst_error::<Tanh, Sigmoid>(Loss::BinaryCrossEntropy),
        ),
        ("identity/mse", worst_error::<Identity, Identity>(Loss::Mse)),
        // A pre-activation within 2 STEP of ReLU's kink would show as an error near 1: none is.
        (
            "relu, identity output/mse",
            worst_error::<Relu, Identity>(Loss::Mse),
        ),
    ] {
        println!("{name}: worst relative error {e:.2e}");
        assert!(e <= MAX_RELATIVE_ERROR, "{name}: {e}");
    }
}

#[test]
fn one_level_untied_stack_trains_like_the_untied_model() {
    let x = breast_cancer_wisconsin().features;
    let single = UntiedAutoencoder::<f64>::new(9, 5, 3).unwrap();
    let (w, v, b1, b2) = single.clone().into_parts();
    let mut stack = StackedAutoencoder::<f64>::from_untied_levels(vec![(w, v, b1, b2)]).unwrap();
    let mut single = single;
    let config = TrainConfig::new().epochs(3).batch_size(16).seed(2);
    let stack_report = stack.fit(&x, &config).unwrap();
    let single_report = single.fit(&x, &config).unwrap();
    // The same stages through the stack's own workspace: agreement to summation order.
    let pairs = [
        (stack.level(0).0, single.w()),
        (stack.level_v(0).unwrap(), single.v()),
    ];
    for (a, b) in pairs {
        for (a, b) in a.iter().zip(b.iter()) {
            approx::assert_abs_diff_eq!(a, b, epsilon = 1e-12);
        }
    }
    let losses = stack_report
        .epoch_losses()
        .iter()
        .zip(single_report.epoch_losses());
    for (a, b) in losses {
        approx::assert_relative_eq!(a, b, max_relative = 1e-12);
    }
}

#[test]
fn untied_stacks_train_and_infer_row_by_row() {
    let x = breast_cancer_wisconsin().features;
    let mut stack = StackedAutoencoder::<f64, Tanh, Identity>::new_untied(&[9, 6, 3], 5).unwrap();
    let config = TrainConfig::new()
        .epochs(20)
        .batch_size(8)
        .learning_rate(0.05)
        .seed(1);
    let initial = stack.reconstruction_errors(&x).unwrap().mean().unwrap();
    assert_eq!(stack.pretrain(&x, &config).unwrap().len(), 2);
    let pretrained = stack.reconstruction_errors(&x).unwrap().mean().unwrap();
    stack.fit(&x, &config).unwrap();
    let tuned = stack.reconstruction_errors(&x).unwrap().mean().unwrap();
    println!("MSE initial {initial:.4}, pretrained {pretrained:.4}, fine-tuned {tuned:.4}");
    assert!(pretrained < initial && tuned < pretrained);
    assert!(stack.is_untied());
    // One-row inference agrees with the batch methods to rounding.
    let batch = stack.reconstruct(&x).unwrap();
    for i in [0, 100, 682] {
        let row = stack.reconstruct_row(&x.row(i)).unwrap();
        for (a, b) in row.iter().zip(batch.row(i)) {
            approx::assert_abs_diff_eq!(a, b, epsilon = 1e-12);
        }
        let code = stack.encode_row(&x.row(i)).unwrap();
        assert_eq!(stack.decode_row(&code).unwrap(), row);
    }
}

#[test]
fn resumed_untied_fine_tuning_is_bit_identical_and_states_do_not_mix() {
    let x = breast_cancer_wisconsin().features;
    let start = StackedAutoencoder::<f64>::new_untied(&[9, 6, 3], 4).unwrap();
    let config = TrainConfig::new().epochs(4).batch_size(8).seed(9);
    let mut whole = start.clone();
    whole.fit(&x, &config).unwrap();
    let mut split = start.clone();
    let first = split.fit(&x, &config.clone().epochs(1)).unwrap();
    split
        .fit_resume(&x, &config, first.into_state(), &mut ())
        .unwrap();
    assert_eq!(split, whole);
    // A tied stack's state has three blocks fewer.
    let tied_state = StackedAutoencoder::<f64>::new(&[9, 6, 3], 4)
        .unwrap()
        .fit(&x, &config.clone().epochs(1))
        .unwrap()
        .into_state();
    let mut other = start;
    assert!(matches!(
        other.fit_resume(&x, &config, tied_state, &mut ()),
        Err(Error::IncompatibleTrainState { .. })
    ));
}

#[test]
fn untied_levels_are_checked() {
    let level = |d: usize, h: usize| -> UntiedLevelParts<f64> {
        (
            Array2::zeros((h, d)),
            Array2::zeros((d, h)),
            ndarray::Array1::zeros(h),
            ndarray::Array1::zeros(d),
        )
    };
    assert!(StackedAutoencoder::<f64>::from_untied_levels(vec![level(9, 4), level(4, 2)]).is_ok());
    assert!(matches!(
        StackedAutoencoder::<f64>::from_untied_levels(vec![level(9, 4), level(5, 2)]),
        Err(Error::InvalidLayerSizes(_))
    ));
    let mut wrong_v = level(9, 4);
    wrong_v.1 = Array2::zeros((4, 9));
    assert!(matches!(
        StackedAutoencoder::<f64>::from_untied_levels(vec![wrong_v]),
        Err(Error::DecoderShapeMismatch { .. })
    ));
    assert!(matches!(
        StackedAutoencoder::<f64>::from_untied_levels(vec![]),
        Err(Error::InvalidLayerSizes(_))
    ));
}

#[cfg(feature = "serde")]
#[test]
fn untied_stacks_keep_their_decoders_in_files() {
    let stack = StackedAutoencoder::<f32, Tanh, Identity>::new_untied(&[7, 5, 2], 3).unwrap();
    let json = stack.to_json_string();
    let back = StackedAutoencoder::<f32, Tanh, Identity>::from_json_str(&json).unwrap();
    assert!(back.is_untied());
    assert_eq!(back, stack);
    // A tied stack's file has no `v` at all (files written before untied stacks read as before).
    let tied = StackedAutoencoder::<f32, Tanh, Identity>::new(&[7, 5, 2], 3).unwrap();
    assert!(!tied.to_json_string().contains("\"v\""));
    // Levels that disagree are refused: drop the top level's `V` and re-seal the document.
    let resealed = serde_common::edit(&json, |doc| {
        doc["levels"][1].as_object_mut().unwrap().remove("v");
    });
    assert!(matches!(
        StackedAutoencoder::<f32, Tanh, Identity>::from_json_str(&resealed),
        Err(Error::CorruptModel { .. })
    ));
}
