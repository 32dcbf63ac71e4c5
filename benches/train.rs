//! Training: one gradient computation (forward and backward), one epoch, the workloads of
//! `BENCHMARKS.md` (f32; throughput in samples), and one optimiser step on a 784-128 layer
//! (throughput in parameters).

mod workloads;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use autoencoder::{
    Adam, AdamState, Float, Gradients, Loss, MomentumState, SgdMomentum, TrainConfig,
    VanillaAutoencoder,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use workloads::WORKLOADS;

fn inputs(rows: usize, n_inputs: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, n_inputs), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 / 10.0
    })
}

fn backward_and_epoch(c: &mut Criterion) {
    let mut group = c.benchmark_group("train 9-5-9");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let model = VanillaAutoencoder::<f64>::new(9, 5, 7).unwrap();
    for rows in [1, 32, 256] {
        let x = inputs(rows, 9);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(format!("gradient/batch {rows}"), |b| {
            b.iter(|| model.loss_and_gradient(black_box(&x), Loss::Mse).unwrap())
        });
    }
    let x = inputs(10_000, 9);
    group.throughput(Throughput::Elements(10_000));
    for batch_size in [1, 32, 256] {
        let config = TrainConfig::new()
            .epochs(1)
            .batch_size(batch_size)
            .shuffle(false);
        group.bench_function(format!("epoch of 10,000/batch {batch_size}"), |b| {
            b.iter_batched_ref(
                || model.clone(),
                |m| m.fit(&x, &config).unwrap(),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn workloads_f32(c: &mut Criterion) {
    let mut group = c.benchmark_group("workloads f32");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    let data_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for workload in WORKLOADS {
        let x = workload.data(&data_dir).unwrap().mapv(|v| v as f32);
        let (w, b1, b2) =
            workloads::init_params(workload.n_inputs, workload.n_hidden, workload.seed);
        let model = VanillaAutoencoder::<f32>::from_parts(
            w.mapv(|v| v as f32),
            b1.mapv(|v| v as f32),
            b2.mapv(|v| v as f32),
        )
        .unwrap();
        let config = TrainConfig::new()
            .learning_rate(workload.crate_learning_rate())
            .momentum(workload.momentum)
            .epochs(workload.epochs)
            .batch_size(workload.batch_size)
            .shuffle(false);
        group.throughput(Throughput::Elements((x.nrows() * workload.epochs) as u64));
        group.bench_function(workload.name, |b| {
            b.iter_batched_ref(
                || model.clone(),
                |m| m.fit(&x, &config).unwrap(),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// One SGD-with-momentum and one Adam step on the parameters of a 784-128 layer (MNIST's
/// width): at small batches the step is a large part of an epoch.
fn optimizer_steps<F: Float>(c: &mut Criterion, dtype: &str) {
    let mut group = c.benchmark_group(format!("optimiser step {dtype}"));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let (n_inputs, n_hidden) = (784, 128);
    let model = VanillaAutoencoder::<F>::new(n_inputs, n_hidden, 0).unwrap();
    let x = inputs(32, n_inputs).mapv(F::cast);
    let (_, grads): (_, Gradients<F>) = model.loss_and_gradient(&x, Loss::Mse).unwrap();
    let (mut w, mut b1, mut b2) = model.into_parts();
    group.throughput(Throughput::Elements(
        (n_inputs * n_hidden + n_inputs + n_hidden) as u64,
    ));
    let sgd = SgdMomentum {
        learning_rate: F::cast(0.1),
        momentum: F::cast(0.9),
        nesterov: false,
        weight_decay: F::zero(),
    };
    let mut velocity = MomentumState::new(n_inputs, n_hidden).unwrap();
    group.bench_function("sgd momentum 784-128", |b| {
        b.iter(|| {
            let params = (
                w.as_slice_mut().unwrap(),
                b1.as_slice_mut().unwrap(),
                b2.as_slice_mut().unwrap(),
            );
            sgd.step(params, black_box(&grads), &mut velocity).unwrap()
        })
    });
    let adam = Adam {
        learning_rate: F::cast(1e-3),
        beta1: F::cast(0.9),
        beta2: F::cast(0.999),
        epsilon: F::cast(1e-8),
        weight_decay: F::zero(),
    };
    let mut moments = AdamState::new(n_inputs, n_hidden).unwrap();
    group.bench_function("adam 784-128", |b| {
        b.iter(|| {
            let params = (
                w.as_slice_mut().unwrap(),
                b1.as_slice_mut().unwrap(),
                b2.as_slice_mut().unwrap(),
            );
            adam.step(params, black_box(&grads), &mut moments).unwrap()
        })
    });
    group.finish();
}

fn optimizer_steps_f64_f32(c: &mut Criterion) {
    optimizer_steps::<f64>(c, "f64");
    optimizer_steps::<f32>(c, "f32");
}

criterion_group!(
    benches,
    backward_and_epoch,
    workloads_f32,
    optimizer_steps_f64_f32
);
criterion_main!(benches);
