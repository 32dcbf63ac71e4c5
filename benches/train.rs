//! Training: one gradient computation (forward and backward), one epoch, and the workloads of
//! `BENCHMARKS.md` (f32; throughput in samples).

mod workloads;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use autoencoder::{Loss, TrainConfig, VanillaAutoencoder};
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

criterion_group!(benches, backward_and_epoch, workloads_f32);
criterion_main!(benches);
