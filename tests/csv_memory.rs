//! The CSV reader's memory does not grow with the number of blank or comment lines: reading two
//! rows around a million of them allocates as much as around ten.
//!
//! The counting allocator (`alloc_meter`) counts only the measuring thread's allocations, so the
//! test harness and other tests running meanwhile do not disturb it.

use std::io::Read;

use autoencoder::{CsvOptions, Missing};
use ndarray::array;

mod alloc_meter;

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
fn memory_of_read(filler: &'static [u8], n: usize) -> (u64, u64) {
    static METER: alloc_meter::Meter = alloc_meter::Meter::new();
    let options = CsvOptions::new().comment(Some(b'#')).missing(Missing::Mean);
    let data = Filled { filler, n, at: 0 };
    let (table, usage) = alloc_meter::measure(&METER, || options.read::<f64, _>(data));
    let table = table.unwrap();
    assert_eq!(table.data, array![[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(table.lines, [1, n as u64 * line_count(filler) + 2]);
    (usage.peak_bytes, usage.total_bytes)
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
