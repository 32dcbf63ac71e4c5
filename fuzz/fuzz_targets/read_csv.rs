//! Feeds arbitrary bytes to the CSV reader under options taken from the first bytes: it must
//! return a table or an error, never panic, and a table must be consistent with its options.
#![no_main]

use autoencoder::{Column, CsvOptions, Missing, Table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((&pick, csv)) = rest.split_first() else {
        return;
    };
    let missing = match flags % 3 {
        0 => Missing::Fail,
        1 => Missing::Drop,
        _ => Missing::Mean,
    };
    let mut options = CsvOptions::new()
        .has_header(flags & 4 != 0)
        .missing(missing)
        .missing_tokens(["?", "NA"])
        .delimiter(if flags & 8 != 0 { b';' } else { b',' })
        .comment((flags & 16 != 0).then_some(b'#'));
    if flags & 32 != 0 {
        // A small selection: two indices and a name, from `pick`.
        let columns = [
            Column::from(usize::from(pick % 4)),
            Column::from(usize::from(pick / 64)),
            Column::from("a"),
        ];
        options = options.columns(
            columns
                .into_iter()
                .take(if flags & 64 != 0 { 3 } else { 2 }),
        );
    }
    if let Ok(table) = options.read::<f64, _>(csv) {
        check(&table);
    }
    if let Ok(table) = options.read::<f32, _>(csv) {
        check(&table);
    }
});

fn check<F: autoencoder::Float>(table: &Table<F>) {
    assert_eq!(table.data.nrows(), table.lines.len());
    assert_eq!(table.data.ncols(), table.names.len());
    assert!(table.data.iter().all(|v| v.is_finite()));
    assert!(table.lines.windows(2).all(|w| w[0] < w[1]));
    assert!(table.lines.iter().all(|&l| l >= 1));
}
