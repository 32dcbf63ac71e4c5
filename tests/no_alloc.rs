//! The training loop allocates nothing per sample, per batch or per epoch: the number of
//! allocations made by `fit` does not grow with the number of samples or epochs.
//!
//! The counting allocator counts only the allocations of the measured code: those of the test's
//! own thread while it runs `fit`, and (with the `threading` feature, where `fit` runs parts of
//! a batch on rayon's global pool) those of that pool's workers, which the test builds and
//! marks. Other threads of the test process (the harness's main thread, which prints a notice
//! when a test runs long, or other tests) are not counted, so the numbers do not depend on how
//! long the test takes or on the machine's load.

use std::sync::Once;

use autoencoder::{
    Autoencoder, Loss, StackedAutoencoder, TrainConfig, UntiedAutoencoder, VanillaAutoencoder,
};
use ndarray::Array2;

mod alloc_meter;

use alloc_meter::Meter;

/// Allocations of `f` on this thread and on the threads attached to `meter` meanwhile.
fn counted<R>(meter: &'static Meter, f: impl FnOnce() -> R) -> (R, usize) {
    let (result, usage) = alloc_meter::measure(meter, f);
    (result, usage.allocations)
}

/// Allocations of `fit`: of the test's thread while it runs `fit`, and of rayon's global pool.
static FIT_ALLOCATIONS: Meter = Meter::new();

/// Threads of rayon's global pool: two, whatever the machine, so that the slack allowed for the
/// `threading` feature (one first-time faer set-up per worker) does not depend on it.
const POOL_THREADS: usize = 2;

/// Builds rayon's global pool (used by `fit` with the `threading` feature) with workers that
/// count their allocations on [`FIT_ALLOCATIONS`]. Nothing else in this test binary uses that
/// pool; its workers allocate only while they run parts of a `fit`, and `fit` returns after
/// every part has finished.
fn count_rayon_pool() {
    static BUILT: Once = Once::new();
    BUILT.call_once(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(POOL_THREADS)
            .start_handler(|_| alloc_meter::attach(&FIT_ALLOCATIONS))
            .build_global()
            .expect("nothing in this test binary builds rayon's global pool before");
    });
}

fn data(n_samples: usize, n_inputs: usize) -> Array2<f64> {
    Array2::from_shape_fn((n_samples, n_inputs), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 / 10.0
    })
}

/// The model kinds checked: the tied and the untied layer, and two-level stacks (tied and
/// untied) whose code is half the hidden width.
const KINDS: [&str; 4] = ["vanilla", "untied", "stacked", "untied stack"];

/// Sigmoid encoders and outputs. Built from the concrete types, not from activation names
/// (`new_vanilla` and the like): those instantiate the engine for every pair of activations,
/// which made this test the slowest of all to build optimised.
fn model(kind: &str, n_inputs: usize, n_hidden: usize) -> Box<dyn Autoencoder<f64>> {
    let sizes = [n_inputs, n_hidden, n_hidden / 2];
    match kind {
        "vanilla" => boxed(VanillaAutoencoder::<f64>::new(n_inputs, n_hidden, 1)),
        "untied" => boxed(UntiedAutoencoder::<f64>::new(n_inputs, n_hidden, 1)),
        "stacked" => boxed(StackedAutoencoder::<f64>::new(&sizes, 1)),
        _ => boxed(StackedAutoencoder::<f64>::new_untied(&sizes, 1)),
    }
}

fn boxed<M: Autoencoder<f64> + 'static>(
    model: autoencoder::Result<M>,
) -> Box<dyn Autoencoder<f64>> {
    Box::new(model.unwrap())
}

/// Allocations made by one `fit` of a model of `kind` (the data and the model are made
/// outside the count).
fn allocations_of_fit(
    kind: &str,
    n_samples: usize,
    n_inputs: usize,
    n_hidden: usize,
    config: &TrainConfig,
) -> usize {
    let x = data(n_samples, n_inputs);
    let mut model = model(kind, n_inputs, n_hidden);
    let (result, allocations) = counted(&FIT_ALLOCATIONS, || model.fit(x.view(), config).map(drop));
    result.unwrap();
    allocations
}

#[test]
fn the_count_sees_the_measured_thread_only() {
    static COUNT: Meter = Meter::new();
    let ((), measured) = counted(&COUNT, || {
        for n in 1..=3 {
            drop(std::hint::black_box(vec![1u8; n]));
        }
    });
    assert_eq!(measured, 3);
    // Another thread does not count, even while this one measures.
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let other = std::thread::spawn({
        let start = start.clone();
        move || {
            start.wait();
            for n in 0..1000 {
                drop(std::hint::black_box(vec![1u8; n]));
            }
        }
    });
    let ((), measured) = counted(&COUNT, || {
        start.wait();
        other.join().unwrap();
    });
    assert_eq!(measured, 0);
}

#[test]
fn two_measurements_on_one_meter_take_turns() {
    // The harness runs tests in parallel, and a test binary's tests may share a meter. Each
    // thread yields between its allocations, so that without turns the measurements overlap.
    static SHARED: Meter = Meter::new();
    let start = std::sync::Arc::new(std::sync::Barrier::new(4));
    let threads: Vec<_> = (1..=4)
        .map(|n| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                (0..20)
                    .map(|_| {
                        counted(&SHARED, || {
                            for size in 1..=100 * n {
                                drop(std::hint::black_box(vec![1u8; size]));
                                std::thread::yield_now();
                            }
                        })
                        .1
                    })
                    .all(|measured| measured == 100 * n)
            })
        })
        .collect();
    for thread in threads {
        assert!(
            thread.join().unwrap(),
            "a measurement counted another's allocations"
        );
    }
}

#[test]
fn fit_allocations_do_not_grow_with_samples_or_epochs() {
    // (n_inputs, n_hidden, batch_size, loss): online and small batches, whose products run as
    // the crate's own loops, and a wide layer whose products go to faer's GEMM, in batches of
    // three parts (128 + 128 + 44 samples; on rayon's pool with the `threading` feature).
    let cases = [
        (200, 64, 300, Loss::Mse),
        // 65,536 weights: the parts' gradients are added, and the SGD step taken, in chunks on
        // rayon's pool with the `threading` feature. Release builds only (slow unoptimised).
        (512, 128, 200, Loss::Mse),
        (9, 5, 1, Loss::Mse),
        (9, 5, 32, Loss::BinaryCrossEntropy),
        (9, 5, 256, Loss::Mse),
        (20, 10, 8, Loss::Mse),
        // Wide enough for the sample-major row form (16 inputs and 16 hidden units or more).
        (20, 16, 8, Loss::Mse),
    ];
    count_rayon_pool();
    for ((n_inputs, n_hidden, batch_size, loss), kind) in cases
        .into_iter()
        .flat_map(|case| KINDS.map(|kind| (case, kind)))
    {
        if cfg!(debug_assertions) && n_inputs * n_hidden >= 1 << 16 {
            continue;
        }
        for shuffle in [false, true] {
            let config = |epochs| {
                TrainConfig::new()
                    .epochs(epochs)
                    .batch_size(batch_size)
                    .loss(loss)
                    .learning_rate(0.01)
                    .shuffle(shuffle)
            };
            // Once per thread, faer sets up its scratch memory: not part of the comparison
            // (a few batches, so that every rayon worker has run a part).
            let fit = |samples, epochs| {
                allocations_of_fit(kind, samples, n_inputs, n_hidden, &config(epochs))
            };
            fit(4 * batch_size, 1);
            let base = fit(4 * batch_size, 1);
            let more_samples = fit(40 * batch_size + 3, 1);
            let more_epochs = fit(4 * batch_size, 10);
            let label =
                format!("{kind} {n_inputs}-{n_hidden}, batch {batch_size}, shuffle {shuffle}");
            // With the `threading` feature, faer's GEMM keeps scratch memory per worker thread
            // and grows it when the thread first runs a larger product; which worker runs which
            // part depends on scheduling, so a worker may grow it in any fit, at most once per
            // product of a part (up to 5) and part size (a full part, the last one): up to 10
            // per worker. A per-batch allocation (36 more batches here) still shows; a
            // per-epoch one shows in the builds without `threading`, where no slack is given.
            let slack = if cfg!(feature = "threading") {
                10 * POOL_THREADS
            } else {
                0
            };
            assert!(
                more_samples.abs_diff(base) <= slack,
                "{label}: 10x the samples: {base} -> {more_samples}"
            );
            // The per-epoch records have room for the first 1,024 epochs: nothing more either.
            assert!(
                more_epochs.abs_diff(base) <= slack,
                "{label}: 10x the epochs: {base} -> {more_epochs}"
            );
        }
    }
}
