//! Model sizes whose element count overflows `usize`, or that no allocator can provide, give
//! `Error::AllocationFailed` instead of a panic or an abort; so do training buffers that do not
//! fit next to a model that does.

use autoencoder::{
    AdamState, Error, MomentumState, StackedAutoencoder, TrainConfig, VanillaAutoencoder,
};
use ndarray::{Array1, Array2};

/// 2^56 weights: 2^59 bytes as `f64`, which fits `isize` but lies beyond any address space
/// (57-bit virtual addresses at most), so the allocator refuses whatever the overcommit policy.
const UNMAPPABLE: usize = 1 << 28;

fn allocation_failed<T: std::fmt::Debug>(result: Result<T, Error>) -> (&'static str, u128) {
    match result {
        Err(Error::AllocationFailed { what, elements }) => (what, elements),
        other => panic!("expected AllocationFailed, got {other:?}"),
    }
}

#[test]
fn element_counts_that_overflow_usize() {
    let max = usize::MAX as u128;
    assert_eq!(
        allocation_failed(VanillaAutoencoder::<f64>::new(usize::MAX, 2, 0)),
        ("W", 2 * max)
    );
    assert_eq!(
        allocation_failed(VanillaAutoencoder::<f32>::new(1 << 40, 1 << 30, 0)),
        ("W", 1 << 70)
    );
    assert_eq!(
        allocation_failed(VanillaAutoencoder::<f64>::new(usize::MAX, usize::MAX, 0)),
        ("W", max * max)
    );
    assert_eq!(
        allocation_failed(StackedAutoencoder::<f64>::new(&[4, usize::MAX, 2], 0)),
        ("W", 4 * max)
    );
    assert_eq!(
        allocation_failed(MomentumState::<f64>::new(usize::MAX, 3)),
        ("optimiser state", 3 * max)
    );
}

#[test]
fn sizes_whose_bytes_overflow_isize() {
    // 2^62 elements fit `usize`; their 2^65 bytes do not fit `isize`.
    assert_eq!(
        allocation_failed(VanillaAutoencoder::<f64>::new(1 << 31, 1 << 31, 0)),
        ("W", 1 << 62)
    );
    assert_eq!(
        allocation_failed(AdamState::<f32>::new(1 << 31, 1 << 31)),
        ("optimiser state", 1 << 62)
    );
}

#[test]
fn sizes_no_allocator_can_provide() {
    let elements = (UNMAPPABLE * UNMAPPABLE) as u128;
    assert_eq!(
        allocation_failed(VanillaAutoencoder::<f64>::new(UNMAPPABLE, UNMAPPABLE, 0)),
        ("W", elements)
    );
    assert_eq!(
        allocation_failed(StackedAutoencoder::<f32>::new(
            &[UNMAPPABLE, UNMAPPABLE, 3],
            0
        )),
        ("W", elements)
    );
    assert_eq!(
        allocation_failed(MomentumState::<f64>::new(UNMAPPABLE, UNMAPPABLE)),
        ("optimiser state", elements)
    );
}

/// 8 TiB of weights: refused wherever the kernel refuses obvious overcommits (Linux's default
/// policy 0, and policy 2); under policy 1 ("always") the test has nothing to check.
#[test]
fn eight_tebibytes_of_weights() {
    let policy = std::fs::read_to_string("/proc/sys/vm/overcommit_memory").unwrap_or_default();
    if policy.trim() == "1" {
        return;
    }
    assert_eq!(
        allocation_failed(VanillaAutoencoder::<f64>::new(1 << 20, 1 << 20, 0)),
        ("W", 1 << 40)
    );
}

/// Environment variable that marks the child process of
/// `training_buffers_that_do_not_fit_next_to_the_model`.
const CHILD: &str = "AUTOENCODER_TEST_ADDRESS_SPACE_CHILD";

/// Runs [`limited_address_space_child`] in a child process whose address space is limited to
/// 512 MiB: the 160 MB model fits, its optimiser state, gradients and snapshot (three more
/// copies) do not.
#[cfg(target_os = "linux")]
#[test]
fn training_buffers_that_do_not_fit_next_to_the_model() {
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 524288 && exec \"$0\" \"$@\"")
        .arg(exe)
        .args([
            "--exact",
            "limited_address_space_child",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .status()
        .unwrap();
    assert!(status.success(), "child process failed: {status}");
}

/// The child half of `training_buffers_that_do_not_fit_next_to_the_model` (does nothing in a
/// normal test run).
#[test]
fn limited_address_space_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let (n_inputs, n_hidden) = (5_000, 4_000);
    let mut model = VanillaAutoencoder::<f64>::from_parts(
        Array2::from_elem((n_hidden, n_inputs), 0.01),
        Array1::zeros(n_hidden),
        Array1::zeros(n_inputs),
    )
    .unwrap();
    let checksum = |m: &VanillaAutoencoder<f64>| m.w().sum() + m.b1().sum() + m.b2().sum();
    let before = checksum(&model);
    let x = Array2::from_elem((2, n_inputs), 0.5);
    let (what, elements) = allocation_failed(model.fit(&x, &TrainConfig::new().epochs(1)));
    // Which of the copies fails first depends on what else the process has mapped.
    assert!(
        ["optimiser state", "training buffers"].contains(&what),
        "{what}"
    );
    assert_eq!(elements, (n_inputs * n_hidden) as u128);
    assert_eq!(checksum(&model).to_bits(), before.to_bits());
    println!("fit failed as expected: {what}, {elements} values");
}
