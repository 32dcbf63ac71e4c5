//! The CSV reader's memory does not grow with the number of blank or comment lines: reading two
//! rows around a million of them allocates as much as around ten.
//!
//! A counting global allocator counts only the allocations of a thread that has switched
//! counting on, so the test harness and other tests running meanwhile do not disturb it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Read;

use autoencoder::{CsvOptions, Missing};
use ndarray::array;

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Bytes allocated and not yet freed while counting (frees of older blocks may make it
    /// negative).
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
    static TOTAL: Cell<u64> = const { Cell::new(0) };
}

/// Notes `delta` bytes allocated (positive) or freed (negative) on this thread, if counting.
fn note(delta: i64) {
    // `try_with` fails only while the thread is being torn down; nothing to count then.
    let _ = COUNTING.try_with(|counting| {
        if counting.get() {
            LIVE.with(|live| {
                live.set(live.get() + delta);
                PEAK.with(|peak| peak.set(peak.get().max(live.get())));
            });
            if delta > 0 {
                TOTAL.with(|total| total.set(total.get() + delta.unsigned_abs()));
            }
        }
    });
}

fn size(layout: Layout) -> i64 {
    i64::try_from(layout.size()).unwrap_or(i64::MAX)
}

// SAFETY: forwards every call unchanged to the system allocator; the counting touches only
// const-initialised thread-locals without destructors, which never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(size(layout));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-size(layout));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(i64::try_from(new_size).unwrap_or(i64::MAX) - size(layout));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// `1,2`, then `n` copies of `filler`, then `3,4`, generated as read (the data itself is never
/// held in memory).
struct Filled {
    filler: &'static [u8],
    n: usize,
    /// Position in the whole data.
    at: usize,
}

const FIRST: &[u8] = b"1,2\n";
const LAST: &[u8] = b"3,4\n";

impl Read for Filled {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let middle = self.filler.len() * self.n;
        let mut written = 0;
        for out in buf.iter_mut() {
            let at = self.at;
            let byte = if at < FIRST.len() {
                FIRST[at]
            } else if at < FIRST.len() + middle {
                self.filler[(at - FIRST.len()) % self.filler.len()]
            } else if let Some(&b) = LAST.get(at - FIRST.len() - middle) {
                b
            } else {
                break;
            };
            *out = byte;
            self.at += 1;
            written += 1;
        }
        Ok(written)
    }
}

/// (peak live bytes, total bytes allocated) while reading `n` fillers between two rows.
fn memory_of_read(filler: &'static [u8], n: usize) -> (i64, u64) {
    let options = CsvOptions::new().comment(Some(b'#')).missing(Missing::Mean);
    let data = Filled { filler, n, at: 0 };
    LIVE.with(|c| c.set(0));
    PEAK.with(|c| c.set(0));
    TOTAL.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    let table = options.read::<f64, _>(data);
    COUNTING.with(|c| c.set(false));
    let table = table.unwrap();
    assert_eq!(table.data, array![[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(table.lines, [1, n as u64 * line_count(filler) + 2]);
    (PEAK.with(Cell::get), TOTAL.with(Cell::get))
}

/// Line breaks in `filler` (`\r\n` is one).
fn line_count(filler: &[u8]) -> u64 {
    let mut count = 0;
    for (i, &b) in filler.iter().enumerate() {
        if b == b'\n' && i > 0 && filler[i - 1] == b'\r' {
            continue;
        }
        if b == b'\n' || b == b'\r' {
            count += 1;
        }
    }
    count
}

#[test]
fn blank_and_comment_lines_take_no_memory() {
    let fillers: [&[u8]; 5] = [
        b"\n",
        b"\r\n",
        b"\r",
        b"# a comment, with \"quotes\r\n",
        b"#\n\r\n#,,\r\r",
    ];
    for filler in fillers {
        let few = memory_of_read(filler, 10);
        let many = memory_of_read(filler, 1_000_000);
        // The same allocations are made whatever the number of lines: the read buffer, one
        // record, the kept rows. (Keeping a number per line would take megabytes here.)
        assert_eq!(many, few, "{:?}", String::from_utf8_lossy(filler));
    }
}
