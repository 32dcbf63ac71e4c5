//! A counting global allocator for the tests that measure what code allocates. Only threads
//! attached to a [`Meter`] count (the measuring thread while it runs [`measure`], and threads
//! that [`attach`] themselves, such as the workers of a rayon pool built for the test), so the
//! test harness's own threads never disturb a measurement. A test binary that declares
//! `mod alloc_meter;` gets this allocator.
#![allow(dead_code, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

/// Counts of the allocations of the threads attached to it.
pub struct Meter {
    /// Held for the whole of a measurement: two tests measuring on one meter at once (the test
    /// harness runs tests in parallel) would otherwise count each other's allocations.
    measuring: Mutex<()>,
    allocations: AtomicUsize,
    /// Bytes allocated and not freed since the measurement started (frees of older blocks may
    /// make it negative), and its largest value.
    live: AtomicI64,
    peak: AtomicI64,
    /// Bytes allocated since the measurement started, frees not subtracted (a reallocation
    /// counts its whole new size).
    total: AtomicU64,
}

/// What a measured closure allocated.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Calls of `alloc`, `alloc_zeroed` and `realloc`.
    pub allocations: usize,
    /// The most bytes live at once, counted from the start.
    pub peak_bytes: u64,
    /// Bytes allocated in all.
    pub total_bytes: u64,
}

impl Meter {
    pub const fn new() -> Self {
        Self {
            measuring: Mutex::new(()),
            allocations: AtomicUsize::new(0),
            live: AtomicI64::new(0),
            peak: AtomicI64::new(0),
            total: AtomicU64::new(0),
        }
    }

    fn note(&self, grown: i64, is_allocation: bool) {
        if is_allocation {
            self.allocations.fetch_add(1, Ordering::Relaxed);
        }
        let live = self.live.fetch_add(grown, Ordering::Relaxed) + grown;
        self.peak.fetch_max(live, Ordering::Relaxed);
        if grown > 0 {
            self.total
                .fetch_add(grown.unsigned_abs(), Ordering::Relaxed);
        }
    }
}

thread_local! {
    /// The meter this thread's allocations go to, if any. Constant initialisation and no
    /// destructor: reading it never allocates.
    static METER: Cell<Option<&'static Meter>> = const { Cell::new(None) };
}

/// Attaches this thread to `meter` for good (a worker thread's start handler calls it).
pub fn attach(meter: &'static Meter) {
    METER.with(|m| m.set(Some(meter)));
}

/// Runs `f` with this thread attached to `meter`, and returns what it allocated there: on this
/// thread, and on every other thread attached to `meter` meanwhile. Measurements on one meter
/// take turns.
pub fn measure<R>(meter: &'static Meter, f: impl FnOnce() -> R) -> (R, Usage) {
    // A measurement that panicked leaves the lock poisoned; the counters are still usable.
    let _turn = meter
        .measuring
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let allocations = meter.allocations.load(Ordering::SeqCst);
    let total = meter.total.load(Ordering::SeqCst);
    meter.live.store(0, Ordering::SeqCst);
    meter.peak.store(0, Ordering::SeqCst);
    let previous = METER.with(|m| m.replace(Some(meter)));
    let result = f();
    METER.with(|m| m.set(previous));
    let usage = Usage {
        allocations: meter.allocations.load(Ordering::SeqCst) - allocations,
        peak_bytes: meter.peak.load(Ordering::SeqCst).max(0).unsigned_abs(),
        total_bytes: meter.total.load(Ordering::SeqCst) - total,
    };
    (result, usage)
}

fn note(grown: i64, is_allocation: bool) {
    // `try_with`: a thread being torn down has no thread-locals left (and is not measured).
    if let Ok(Some(meter)) = METER.try_with(Cell::get) {
        meter.note(grown, is_allocation);
    }
}

fn bytes(size: usize) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

struct Counting;

// SAFETY: forwards every call unchanged to the system allocator, counting on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(bytes(layout.size()), true);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(bytes(layout.size()), true);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-bytes(layout.size()), false);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Reallocation may copy: the old and the new block are both live for a moment.
        note(bytes(new_size), true);
        note(-bytes(layout.size()), false);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;
