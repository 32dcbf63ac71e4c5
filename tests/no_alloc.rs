//! The training loop allocates nothing per sample, per batch or per epoch: the number of
//! allocations made by `fit` does not grow with the number of samples or epochs.
//!
//! A counting global allocator sees every allocation of this test binary, so the file holds a
//! single test (no other test threads run meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use autoencoder::{Loss, TrainConfig, VanillaAutoencoder};
use ndarray::Array2;

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator, counting allocations.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn data(n_samples: usize, n_inputs: usize) -> Array2<f64> {
    Array2::from_shape_fn((n_samples, n_inputs), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 / 10.0
    })
}

/// Allocations made by one `fit`.
fn allocations_of_fit(
    n_samples: usize,
    n_inputs: usize,
    n_hidden: usize,
    config: &TrainConfig,
) -> usize {
    let x = data(n_samples, n_inputs);
    let mut model = VanillaAutoencoder::<f64>::new(n_inputs, n_hidden, 1).unwrap();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    model.fit(&x, config).unwrap();
    ALLOCATIONS.load(Ordering::Relaxed) - before
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
    for (n_inputs, n_hidden, batch_size, loss) in cases {
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
            allocations_of_fit(4 * batch_size, n_inputs, n_hidden, &config(1));
            let base = allocations_of_fit(4 * batch_size, n_inputs, n_hidden, &config(1));
            let more_samples =
                allocations_of_fit(40 * batch_size + 3, n_inputs, n_hidden, &config(1));
            let more_epochs = allocations_of_fit(4 * batch_size, n_inputs, n_hidden, &config(10));
            let label = format!("{n_inputs}-{n_hidden}, batch {batch_size}, shuffle {shuffle}");
            // With the `threading` feature, each rayon worker that first runs a part sets up
            // faer's scratch memory once, whichever fit that happens in.
            let slack = if cfg!(feature = "threading") { 2 } else { 0 };
            assert!(
                more_samples.abs_diff(base) <= slack,
                "{label}: 10x the samples: {base} -> {more_samples}"
            );
            // The per-epoch records (a growing vector) may reallocate now and then, but fewer
            // times than there are extra epochs, let alone extra batches (4 per epoch).
            assert!(
                more_epochs < base + 9 + slack,
                "{label}: 10x the epochs: {base} -> {more_epochs}"
            );
        }
    }
}
