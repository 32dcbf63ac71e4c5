//! Training gives bit-identical parameters on one and on two GEMM threads.
//!
//! matrixmultiply reads `MATMUL_NUM_THREADS` once per process, so the test runs itself again as
//! a child process per thread count. With the `threading` feature off every run uses one thread
//! and the test still checks that runs repeat exactly.

use std::process::Command;

use autoencoder::{TrainConfig, VanillaAutoencoder};
use ndarray::Array2;

const CHILD_VAR: &str = "AUTOENCODER_THREADS_CHILD";

/// Trains a model whose products go to the GEMM and prints its parameters' bits.
#[test]
fn child_trains_and_prints_bits() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    let (n_inputs, n_hidden, rows) = (200, 64, 300);
    let x = Array2::from_shape_fn((rows, n_inputs), |(i, j)| {
        ((i * 13 + j * 7) % 17) as f32 / 16.0
    });
    let mut model = VanillaAutoencoder::<f32>::new(n_inputs, n_hidden, 3).unwrap();
    let config = TrainConfig::new()
        .epochs(2)
        .batch_size(128)
        .learning_rate(0.5)
        .seed(5);
    model.fit(&x, &config).unwrap();
    let bits: Vec<String> = model
        .w()
        .iter()
        .chain(model.b1())
        .chain(model.b2())
        .map(|v| format!("{:08x}", v.to_bits()))
        .collect();
    println!("BITS {}", bits.join(""));
}

fn parameters_on(threads: usize) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_trains_and_prints_bits",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_VAR, "1")
        .env("MATMUL_NUM_THREADS", threads.to_string())
        .output()
        .unwrap();
    assert!(output.status.success(), "child on {threads} threads failed");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (_, bits) = stdout
        .split_once("BITS ")
        .expect("the child prints its bits");
    bits.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn one_and_two_threads_give_identical_parameters() {
    let one = parameters_on(1);
    assert_eq!(one, parameters_on(2), "1 vs 2 threads");
    assert_eq!(one, parameters_on(1), "repeated run");
}
