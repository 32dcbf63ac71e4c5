//! Every option that changes a batch's gradient (noise, the sparsity and the contractive
//! penalties) is either applied or refused with a typed error before training, for every model
//! kind and on every execution path: never skipped. "Applied" means the trained parameters
//! differ from those of the same run without the option.

use autoencoder::{Autoencoder, Error, Noise, TrainConfig, new_stacked, new_untied, new_vanilla};
use ndarray::Array2;

fn model(kind: &str, n_inputs: usize, n_hidden: usize) -> Box<dyn Autoencoder<f64>> {
    match kind {
        "vanilla" => new_vanilla("sigmoid", "sigmoid", n_inputs, n_hidden, 3),
        "untied" => new_untied("sigmoid", "sigmoid", n_inputs, n_hidden, 3),
        _ => new_stacked("sigmoid", "sigmoid", &[n_inputs, n_hidden, 2], 3),
    }
    .unwrap()
}

/// Reconstructions of `x` after training a fresh model of `kind` under `config`, or the error.
fn trained(kind: &str, x: &Array2<f64>, config: &TrainConfig) -> Result<Array2<f64>, Error> {
    let mut model = model(kind, x.ncols(), 4.min(x.ncols()));
    model.fit(x.view(), config)?;
    model.reconstruct(x.view())
}

/// An option's name and how it is set.
type Setting = (&'static str, fn(TrainConfig) -> TrainConfig);

#[test]
fn each_gradient_option_is_applied_or_refused() {
    let options: [Setting; 3] = [
        ("noise", |c| c.noise(Noise::Masking { fraction: 0.3 })),
        ("sparsity", |c| c.sparsity(0.1, 1.0)),
        ("contractive", |c| c.contractive(0.5)),
    ];
    // Small batches and online (the online and lane paths), and a layer wide enough for the
    // row form (16 inputs and 16 hidden units or more) in batches of 32.
    for (n_inputs, batch_size) in [(6, 1), (6, 8), (24, 32)] {
        let x = Array2::from_shape_fn((64, n_inputs), |(i, j)| {
            ((i * 5 + j * 3) % 11) as f64 / 10.0
        });
        for kind in ["vanilla", "untied", "stacked"] {
            let plain = TrainConfig::new().epochs(3).batch_size(batch_size).seed(1);
            let without = trained(kind, &x, &plain).unwrap();
            for (name, with) in options {
                let label = format!("{kind}, {n_inputs} inputs, batch {batch_size}, {name}");
                match (kind, trained(kind, &x, &with(plain.clone()))) {
                    ("stacked", Err(Error::InvalidParameter { name: option, .. })) => {
                        assert_eq!(option, name, "{label}");
                    }
                    (_, Ok(reconstruction)) => {
                        assert!(reconstruction != without, "{label}: the option was ignored");
                        assert!(kind != "stacked" || name == "noise", "{label}: not refused");
                    }
                    (_, other) => panic!("{label}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn the_sparsity_penalty_needs_sigmoid_hidden_units() {
    let x = Array2::from_shape_fn((20, 5), |(i, j)| ((i + j) % 4) as f64 / 3.0);
    let config = TrainConfig::new().epochs(2).sparsity(0.1, 1.0);
    for mut model in [
        new_vanilla::<f64>("tanh", "sigmoid", 5, 3, 0).unwrap(),
        new_untied::<f64>("relu", "sigmoid", 5, 3, 0).unwrap(),
    ] {
        let before = model.reconstruct(x.view()).unwrap();
        assert!(matches!(
            model.fit(x.view(), &config),
            Err(Error::SparsityNeedsSigmoid { .. })
        ));
        assert_eq!(
            model.reconstruct(x.view()).unwrap(),
            before,
            "model unchanged"
        );
    }
}
