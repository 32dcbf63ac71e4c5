//! One-row inference allocates once per call: the result (or, for the reconstruction error,
//! one scratch buffer), whatever the model's size and however many levels it has.
//!
//! A counting global allocator counts the allocations made on the current thread while its
//! flag is set, so other test threads do not disturb the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use autoencoder::{StackedAutoencoder, Tanh, VanillaAutoencoder};
use ndarray::{Array1, Array2};

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: thread-local storage may be gone while a thread shuts down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: forwards every call unchanged to the system allocator, counting allocations.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made on this thread by `f`.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    let result = f();
    COUNTING.with(|on| on.set(false));
    drop(result);
    ALLOCATIONS.with(|n| n.get())
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
