//! Inference: `encode` and `reconstruct` on a 9-5-9 and a 784-128 model.

use std::hint::black_box;
use std::time::Duration;

use autoencoder::VanillaAutoencoder;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;

fn inputs(rows: usize, n_inputs: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, n_inputs), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 / 10.0
    })
}

fn forward(c: &mut Criterion) {
    let mut group = c.benchmark_group("forward");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for (n_inputs, n_hidden, rows) in [(9, 5, 1), (9, 5, 1024), (784, 128, 256)] {
        let model = VanillaAutoencoder::<f64>::new(n_inputs, n_hidden, 7).unwrap();
        let x = inputs(rows, n_inputs);
        group.throughput(Throughput::Elements(rows as u64));
        let label = format!("{n_inputs}-{n_hidden}/rows {rows}");
        group.bench_function(format!("encode {label}"), |b| {
            b.iter(|| model.encode(black_box(&x)).unwrap())
        });
        group.bench_function(format!("reconstruct {label}"), |b| {
            b.iter(|| model.reconstruct(black_box(&x)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, forward);
criterion_main!(benches);
