//! Training gives bit-identical parameters on one and on two threads, for tied and untied
//! layers and stacks.
//!
//! The crate trains wide layers on rayon's current thread pool (feature `threading`), so each
//! run here is installed in a pool of its own size. The batches (300 rows) split into parts of
//! 128, 128 and 44 samples. At 512-128 (65,536 weights) the parts' gradients are also added,
//! and the SGD step taken, in chunks on the pool. With the feature off every run uses one
//! thread and the test still checks that runs repeat exactly.

use autoencoder::{StackedAutoencoder, TrainConfig, UntiedAutoencoder, VanillaAutoencoder};
use ndarray::Array2;

/// A model whose parameters can be compared bit for bit.
trait Model: Sized + Send {
    fn new(n_inputs: usize, n_hidden: usize) -> Self;
    fn fit(&mut self, x: &Array2<f32>, config: &TrainConfig);
    fn bits(&self) -> Vec<u32>;
}

impl Model for VanillaAutoencoder<f32> {
    fn new(n_inputs: usize, n_hidden: usize) -> Self {
        VanillaAutoencoder::new(n_inputs, n_hidden, 3).unwrap()
    }
    fn fit(&mut self, x: &Array2<f32>, config: &TrainConfig) {
        VanillaAutoencoder::fit(self, x, config).unwrap();
    }
    fn bits(&self) -> Vec<u32> {
        let values = self.w().into_iter().chain(self.b1()).chain(self.b2());
        values.map(|v| v.to_bits()).collect()
    }
}

impl Model for UntiedAutoencoder<f32> {
    fn new(n_inputs: usize, n_hidden: usize) -> Self {
        UntiedAutoencoder::new(n_inputs, n_hidden, 3).unwrap()
    }
    fn fit(&mut self, x: &Array2<f32>, config: &TrainConfig) {
        UntiedAutoencoder::fit(self, x, config).unwrap();
    }
    fn bits(&self) -> Vec<u32> {
        let values = self.w().into_iter().chain(self.v()).chain(self.b1());
        values.chain(self.b2()).map(|v| v.to_bits()).collect()
    }
}

/// A stack's levels, tied (`UNTIED` false) or untied: `[n_inputs, n_hidden, n_hidden / 2]`.
struct Stack<const UNTIED: bool>(StackedAutoencoder<f32>);

impl<const UNTIED: bool> Model for Stack<UNTIED> {
    fn new(n_inputs: usize, n_hidden: usize) -> Self {
        let sizes = [n_inputs, n_hidden, n_hidden / 2];
        Stack(match UNTIED {
            false => StackedAutoencoder::new(&sizes, 3).unwrap(),
            true => StackedAutoencoder::new_untied(&sizes, 3).unwrap(),
        })
    }
    fn fit(&mut self, x: &Array2<f32>, config: &TrainConfig) {
        self.0.fit(x, config).unwrap();
    }
    fn bits(&self) -> Vec<u32> {
        let mut bits = Vec::new();
        for k in 0..self.0.n_levels() {
            let (w, b1, b2) = self.0.level(k);
            let v = self.0.level_v(k);
            let values = w
                .into_iter()
                .chain(b1)
                .chain(b2)
                .chain(v.into_iter().flatten());
            bits.extend(values.map(|v| v.to_bits()));
        }
        bits
    }
}

/// Parameters' bits after training a model whose products go to the GEMM, in a pool of
/// `threads` threads.
fn parameters_on<M: Model>((n_inputs, n_hidden): (usize, usize), threads: usize) -> Vec<u32> {
    let rows = 600;
    let x = Array2::from_shape_fn((rows, n_inputs), |(i, j)| {
        ((i * 13 + j * 7) % 17) as f32 / 16.0
    });
    let mut model = M::new(n_inputs, n_hidden);
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
    pool.install(|| model.fit(&x, &config));
    model.bits()
}

fn one_and_two_threads_agree<M: Model>() {
    for shape in [(200, 64), (512, 128)] {
        let one = parameters_on::<M>(shape, 1);
        let two = parameters_on::<M>(shape, 2);
        assert!(one == two, "{shape:?}: 1 vs 2 threads");
        assert!(
            one == parameters_on::<M>(shape, 1),
            "{shape:?}: repeated run"
        );
        assert!(
            one != M::new(shape.0, shape.1).bits(),
            "{shape:?}: training moved the parameters"
        );
    }
}

#[test]
fn one_and_two_threads_give_identical_parameters() {
    one_and_two_threads_agree::<VanillaAutoencoder<f32>>();
}

#[test]
fn one_and_two_threads_give_identical_untied_parameters() {
    one_and_two_threads_agree::<UntiedAutoencoder<f32>>();
}

#[test]
fn one_and_two_threads_give_identical_stacks() {
    one_and_two_threads_agree::<Stack<false>>();
    one_and_two_threads_agree::<Stack<true>>();
}
