//! One-row inference allocates once per call: the result (or, for the reconstruction error,
//! one scratch buffer), whatever the model's size and however many levels it has.
//!
//! The counting allocator (`alloc_meter`) counts only the measuring thread's allocations, so
//! other test threads do not disturb the counts.

use autoencoder::{StackedAutoencoder, Tanh, VanillaAutoencoder};
use ndarray::{Array1, Array2};

mod alloc_meter;

/// Allocations made on this thread by `f`.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    static METER: alloc_meter::Meter = alloc_meter::Meter::new();
    alloc_meter::measure(&METER, f).1.allocations
}

#[test]
fn vanilla_row_methods_allocate_once() {
    for (d, h) in [(9, 5), (64, 32), (300, 100)] {
        let model = VanillaAutoencoder::<f64>::new(d, h, 1).unwrap();
        let x = Array2::from_shape_fn((3, d), |(i, j)| ((i + j) % 5) as f64 / 4.0);
        let row = x.row(1);
        let code = model.encode_row(&row).unwrap();
        // A first call may set up lazily initialised state (CPU feature detection).
        model.reconstruction_error_row(&row).unwrap();
        assert_eq!(allocations(|| model.encode_row(&row).unwrap()), 1);
        assert_eq!(allocations(|| model.decode_row(&code).unwrap()), 1);
        assert_eq!(allocations(|| model.reconstruct_row(&row).unwrap()), 1);
        assert_eq!(
            allocations(|| model.reconstruction_error_row(&row).unwrap()),
            1
        );
        let column = x.column(0);
        let wrong = allocations(|| model.encode_row(&column).unwrap_err());
        assert_eq!(wrong, 0, "a rejected input allocates nothing");
    }
}

#[test]
fn stacked_row_methods_allocate_once() {
    let stack = StackedAutoencoder::<f32, Tanh>::new(&[40, 64, 16, 8, 4], 2).unwrap();
    let x: Array1<f32> = (0..40).map(|i| (i % 7) as f32 / 6.0).collect();
    let code = stack.encode_row(&x).unwrap();
    stack.reconstruction_error_row(&x).unwrap();
    assert_eq!(allocations(|| stack.encode_row(&x).unwrap()), 1);
    assert_eq!(allocations(|| stack.decode_row(&code).unwrap()), 1);
    assert_eq!(allocations(|| stack.reconstruct_row(&x).unwrap()), 1);
    assert_eq!(
        allocations(|| stack.reconstruction_error_row(&x).unwrap()),
        1
    );
}
