#![cfg(feature = "serde")]
//! Loading a file takes memory in proportion to its size, a few times over at most.
//!
//! The counting allocator (`alloc_meter`) tracks the bytes live and their peak, for the
//! allocations of the measuring thread only, so other tests running at the same time do not
//! disturb them.
//!
//! The bounds: the file's bytes are read whole (1x); each parsed value takes 8 bytes, where its
//! text takes about 20 for trained or random values (0.4x) but only 4 for a zero (`0.0,`: 2x);
//! `W` is parsed straight into one buffer of its known size, while the arrays of a training
//! state grow as they are read (up to a third more, and the old and new buffers briefly
//! together). So a file of typical values peaks under [`MAX_PEAK_TYPICAL`] = 2x its size, and a
//! file of zeros, the worst case, under [`MAX_PEAK_ZEROS`] = 4x.
//!
//! Measured (784-128 f64 models; 784-128-32 stacks; Adam checkpoints with early stopping),
//! typical / zeros: model 1.39x / 3.02x, stack 1.39x / 3.02x, checkpoint 1.51x / 3.74x. Before
//! `W` was read into one buffer and the state from its text: model 1.83x / 5.29x, stack
//! 1.81x / 5.20x, checkpoint 2.95x / 10.58x (the state went through a tree of
//! JSON values).

use autoencoder::{Optimizer, StackedAutoencoder, TrainConfig, VanillaAutoencoder};
use ndarray::{Array1, Array2};

mod serde_common;

/// Peak bytes allocated while loading, per byte of the file, for trained or random values.
const MAX_PEAK_TYPICAL: f64 = 2.0;
/// The same for a file of zeros, the shortest numbers.
const MAX_PEAK_ZEROS: f64 = 4.0;

mod alloc_meter;

/// The peak of bytes live during `f`, above those live when it starts, on this thread.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    static METER: alloc_meter::Meter = alloc_meter::Meter::new();
    let (out, usage) = alloc_meter::measure(&METER, f);
    (out, usize::try_from(usage.peak_bytes).unwrap_or(usize::MAX))
}

/// Loads `path` with `load`, checks the result, and returns the peak per byte of the file.
fn ratio<T: PartialEq + std::fmt::Debug>(
    path: &std::path::Path,
    expected: &T,
    load: impl FnOnce(&std::path::Path) -> autoencoder::Result<T>,
) -> f64 {
    let size = std::fs::metadata(path).unwrap().len() as f64;
    let (loaded, peak) = peak_of(|| load(path).unwrap());
    assert_eq!(&loaded, expected);
    let ratio = peak as f64 / size;
    println!(
        "{}: {size} bytes, peak {peak} bytes, {ratio:.2}x",
        path.display()
    );
    ratio
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "autoencoder-memory-{name}-{}.json",
        std::process::id()
    ))
}

/// Every value of every array of `state` (the `data` of each) set to zero.
fn zeroed(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(members) => {
            for (key, member) in members {
                match member {
                    serde_json::Value::Array(data) if key == "data" => data.fill(0.0.into()),
                    _ => zeroed(member),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(zeroed),
        _ => {}
    }
}

/// Peaks per file byte of a model, a stack and an Adam checkpoint with early stopping, 784-128
/// (and 128-32 for the stack's second level), with trained or random values, or with zeros
/// (`zeros`), whose short text makes the parsed values largest next to it.
fn ratios(zeros: bool) -> [(&'static str, f64); 3] {
    let fill = |(w, b1, b2): (Array2<f64>, Array1<f64>, Array1<f64>)| {
        if zeros {
            (w.mapv(|_| 0.0), b1.mapv(|_| 0.0), b2.mapv(|_| 0.0))
        } else {
            (w, b1, b2)
        }
    };
    let model = VanillaAutoencoder::<f64>::new(784, 128, 1).unwrap();
    let (w, b1, b2) = fill((
        model.w().to_owned(),
        model.b1().to_owned(),
        model.b2().to_owned(),
    ));
    let model = VanillaAutoencoder::<f64>::from_parts(w, b1, b2).unwrap();
    let path = temp("model");
    model.save_json(&path).unwrap();
    let model_ratio = ratio(&path, &model, |p| VanillaAutoencoder::load_json(p));
    std::fs::remove_file(&path).unwrap();

    let stack = StackedAutoencoder::<f64>::new(&[784, 128, 32], 1).unwrap();
    let stack =
        StackedAutoencoder::<f64>::from_levels(stack.into_levels().into_iter().map(fill).collect())
            .unwrap();
    let path = temp("stack");
    stack.save_json(&path).unwrap();
    let stack_ratio = ratio(&path, &stack, |p| StackedAutoencoder::load_json(p));
    std::fs::remove_file(&path).unwrap();

    let x = Array2::from_shape_fn((64, 784), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 10.0);
    let mut trained = model.clone();
    let config = TrainConfig::new()
        .epochs(1)
        .batch_size(64)
        .learning_rate(0.001)
        .optimizer(Optimizer::adam())
        .early_stopping(3, 0.0);
    let report = trained.fit(&x, &config).unwrap();
    let mut state = report.into_state();
    if zeros {
        let mut value = serde_json::to_value(&state).unwrap();
        zeroed(&mut value);
        state = serde_json::from_value(value).unwrap();
        trained = model;
    }
    let path = temp("checkpoint");
    trained.save_checkpoint(&path, &state).unwrap();
    let expected = (trained, state);
    let checkpoint_ratio = ratio(&path, &expected, |p| VanillaAutoencoder::load_checkpoint(p));
    std::fs::remove_file(&path).unwrap();
    [
        ("model", model_ratio),
        ("stack", stack_ratio),
        ("checkpoint", checkpoint_ratio),
    ]
}

#[test]
fn loading_peaks_at_a_few_times_the_file_size() {
    // Everything is measured before anything is checked, so that a failure shows every ratio.
    let measured = [false, true].map(|zeros| (zeros, ratios(zeros)));
    for (zeros, ratios) in measured {
        let bound = if zeros {
            MAX_PEAK_ZEROS
        } else {
            MAX_PEAK_TYPICAL
        };
        for (what, r) in ratios {
            assert!(
                r <= bound,
                "{what} (zeros: {zeros}): peak {r:.2}x the file size"
            );
        }
    }
}

/// Sizes claimed in a small file reserve nothing: the shapes are checked against the values
/// actually there.
#[test]
fn claimed_sizes_reserve_nothing() {
    let json = VanillaAutoencoder::<f64>::new(3, 2, 1)
        .unwrap()
        .to_json_string();
    let huge = 1_usize << 31;
    for (field, value) in [("n_inputs", huge), ("n_hidden", huge)] {
        let lying = serde_common::edit(&json, |v| v[field] = value.into());
        let (result, peak) = peak_of(|| VanillaAutoencoder::<f64>::from_json_str(&lying));
        assert!(
            matches!(
                result,
                Err(autoencoder::Error::ParameterShapeMismatch { .. })
            ),
            "{field}: {result:?}"
        );
        assert!(peak < 16 * lying.len(), "{field}: peak {peak} bytes");
    }
}
