//! Training gives bit-identical parameters on one and on two threads.
//!
//! The crate trains wide layers on rayon's current thread pool (feature `threading`), so each
//! run here is installed in a pool of its own size. The batches (300 rows) split into parts of
//! 128, 128 and 44 samples. At 512-128 (65,536 weights) the parts' gradients are also added,
//! and the SGD step taken, in chunks on the pool. With the feature off every run uses one
//! thread and the test still checks that runs repeat exactly.

use autoencoder::{TrainConfig, VanillaAutoencoder};
use ndarray::Array2;

/// Parameters' bits after training a model whose products go to the GEMM, in a pool of
/// `threads` threads.
fn parameters_on((n_inputs, n_hidden): (usize, usize), threads: usize) -> Vec<u32> {
    let rows = 600;
    let x = Array2::from_shape_fn((rows, n_inputs), |(i, j)| {
        ((i * 13 + j * 7) % 17) as f32 / 16.0
    });
    let mut model = VanillaAutoencoder::<f32>::new(n_inputs, n_hidden, 3).unwrap();
    let config = TrainConfig::new()
        .epochs(2)
        .batch_size(300)
        .momentum(0.9)
        .weight_decay(1e-4)
        .learning_rate(0.5)
        .seed(5);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| model.fit(&x, &config)).unwrap();
    bits(&model)
}

fn bits(model: &VanillaAutoencoder<f32>) -> Vec<u32> {
    model
        .w()
        .iter()
        .chain(model.b1())
        .chain(model.b2())
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn one_and_two_threads_give_identical_parameters() {
    for shape in [(200, 64), (512, 128)] {
        let one = parameters_on(shape, 1);
        let two = parameters_on(shape, 2);
        assert!(one == two, "{shape:?}: 1 vs 2 threads");
        assert!(one == parameters_on(shape, 1), "{shape:?}: repeated run");
        assert!(
            one != parameters_on_untrained(shape),
            "{shape:?}: training moved the parameters"
        );
    }
}

fn parameters_on_untrained((n_inputs, n_hidden): (usize, usize)) -> Vec<u32> {
    bits(&VanillaAutoencoder::<f32>::new(n_inputs, n_hidden, 3).unwrap())
}
