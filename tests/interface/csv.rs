//! Reading numeric CSV data: headers, column selection, missing values and typed errors.

use std::path::PathBuf;

use autoencoder::{Column, CsvOptions, Error, Missing, Table};
use ndarray::{Array2, array};

/// Values parsed from short decimal texts and their means: equal to a few ulps.
const PARSE_TOLERANCE: f64 = 1e-12;

/// Asserts equal shapes and every pair of entries within `epsilon`.
fn assert_close(a: &Array2<f64>, b: &Array2<f64>, epsilon: f64) {
    assert_eq!(a.dim(), b.dim());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= epsilon, "{x} vs {y}\n{a}\n{b}");
    }
}

fn read(options: &CsvOptions, csv: &str) -> Result<Table<f64>, Error> {
    options.read(csv.as_bytes())
}

fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

#[test]
fn without_a_header_every_row_is_data() {
    let table = read(&CsvOptions::new(), "1,2.5,-3\n4e-1, 5 ,+6\n").unwrap();
    assert_close(
        &table.data,
        &array![[1.0, 2.5, -3.0], [0.4, 5.0, 6.0]],
        PARSE_TOLERANCE,
    );
    assert_eq!(table.names, ["0", "1", "2"]);
    assert_eq!(table.lines, [1, 2]);
}

#[test]
fn a_header_names_the_columns_and_is_not_data() {
    let table = read(&CsvOptions::new().has_header(true), "x,y\n1,2\n3,4\n").unwrap();
    assert_eq!(table.data, array![[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(table.names, ["x", "y"]);
    assert_eq!(table.lines, [2, 3]);
    // Read as data, the header is not a number.
    let err = read(&CsvOptions::new(), "x,y\n1,2\n").unwrap_err();
    assert!(
        matches!(err, Error::NonNumericField { line: 1, column: 0, ref field } if field == "x")
    );
}

#[test]
fn columns_are_selected_by_index_in_the_order_given() {
    let csv = "10,1,2,3,x\n20,4,5,6,y\n";
    let table = read(&CsvOptions::new().columns([3, 1]), csv).unwrap();
    assert_eq!(table.data, array![[3.0, 1.0], [6.0, 4.0]]);
    assert_eq!(table.names, ["3", "1"]);
    let table = read(&CsvOptions::new().columns(1..4), csv).unwrap();
    assert_eq!(table.data, array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
}

#[test]
fn columns_are_selected_by_name_with_a_header() {
    let csv = "id,height,weight,label\n1,1.5,60,a\n2,1.8,80,b\n";
    let options = CsvOptions::new().has_header(true);
    let table = read(&options.clone().columns(["weight", "height"]), csv).unwrap();
    assert_eq!(table.data, array![[60.0, 1.5], [80.0, 1.8]]);
    assert_eq!(table.names, ["weight", "height"]);
    let mixed = [Column::from("height"), Column::from(0)];
    let table = read(&options.columns(mixed), csv).unwrap();
    assert_eq!(table.data, array![[1.5, 1.0], [1.8, 2.0]]);
    assert_eq!(table.names, ["height", "id"]);
}

#[test]
fn unknown_columns_are_errors() {
    let csv = "a,b\n1,2\n";
    let err = read(&CsvOptions::new().has_header(true).columns(["c"]), csv).unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { n_columns: 2, .. }));
    let err = read(&CsvOptions::new().has_header(true).columns([2]), csv).unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { ref column, n_columns: 2, .. } if column == "2"));
    // Names need a header.
    let err = read(&CsvOptions::new().columns(["a"]), "1,2\n").unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { header_note, .. } if !header_note.is_empty()));
}

#[test]
fn missing_fail_reports_the_line_and_column() {
    let options = CsvOptions::new().missing_tokens(["?"]);
    let err = read(&options, "1,2,3\n4,?,6\n").unwrap_err();
    assert_eq!(err, Error::MissingValue { line: 2, column: 1 });
    let err = read(&options, "1,2,3\n4,5,6\n7,8,\n").unwrap_err();
    assert_eq!(err, Error::MissingValue { line: 3, column: 2 });
    // Fail is the default.
    assert!(matches!(
        read(&CsvOptions::new(), "1,\n"),
        Err(Error::MissingValue { line: 1, column: 1 })
    ));
}

#[test]
fn missing_drop_leaves_out_the_rows() {
    let options = CsvOptions::new()
        .missing_tokens(["NA"])
        .missing(Missing::Drop);
    let table = read(&options, "1,2\nNA,3\n4,5\n6,\n7,8\n").unwrap();
    assert_eq!(table.data, array![[1.0, 2.0], [4.0, 5.0], [7.0, 8.0]]);
    assert_eq!(table.lines, [1, 3, 5]);
    // A missing value outside the selection does not drop the row.
    let table = read(&options.columns([1]), "1,2\nNA,3\n").unwrap();
    assert_eq!(table.data, array![[2.0], [3.0]]);
}

#[test]
fn missing_mean_fills_with_the_column_mean() {
    let options = CsvOptions::new()
        .missing_tokens(["?", "NA"])
        .missing(Missing::Mean);
    let table = read(&options, "1,10\n?,20\n3,NA\n5,60\n").unwrap();
    assert_close(
        &table.data,
        &array![[1.0, 10.0], [3.0, 20.0], [3.0, 30.0], [5.0, 60.0]],
        PARSE_TOLERANCE,
    );
    let err = read(&options, "1,?\n2,NA\n").unwrap_err();
    assert_eq!(err, Error::NoValuesInColumn { column: 1 });
}

#[test]
fn ragged_rows_name_the_line_and_field_counts() {
    let err = read(&CsvOptions::new(), "1,2,3\n4,5,6\n7,8\n").unwrap_err();
    assert!(matches!(
        err,
        Error::RaggedRow {
            line: 3,
            expected: 3,
            found: 2
        }
    ));
    let err = read(&CsvOptions::new().has_header(true), "a,b\n1,2,3\n").unwrap_err();
    assert!(matches!(
        err,
        Error::RaggedRow {
            line: 2,
            expected: 2,
            found: 3
        }
    ));
    // Even outside the selected columns.
    let err = read(&CsvOptions::new().columns([0]), "1,2\n3\n").unwrap_err();
    assert!(matches!(
        err,
        Error::RaggedRow {
            line: 2,
            expected: 2,
            found: 1
        }
    ));
}

#[test]
fn non_numeric_fields_name_the_line_and_column() {
    let err = read(
        &CsvOptions::new().has_header(true),
        "a,b,c\n1,2,3\n4,five,6\n",
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::NonNumericField { line: 3, column: 1, ref field } if field == "five")
    );
    // Lines count blank lines and multi-line quoted fields.
    let err = read(
        &CsvOptions::new().columns([1]),
        "x,1\n\n\"y\nz\",2\n\nw,3 4\n",
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonNumericField {
                line: 6,
                column: 1,
                ..
            }
        ),
        "{err}"
    );
    // The message says where.
    let message = err.to_string();
    assert!(
        message.contains("line 6") && message.contains("column 1"),
        "{message}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_with_the_path() {
    let err = CsvOptions::new()
        .read_path::<f64>("no/such/file.csv")
        .unwrap_err();
    assert!(
        matches!(err, Error::DataIo { kind: std::io::ErrorKind::NotFound, ref message } if message.contains("file.csv"))
    );
}

#[test]
fn the_wisconsin_file_reads_as_the_shipped_data_set() {
    let table = CsvOptions::new()
        .columns(1..10)
        .missing_tokens(["?"])
        .missing(Missing::Drop)
        .read_path::<f64>(data_path("breast-cancer-wisconsin.csv"))
        .unwrap();
    let shipped = autoencoder::datasets::breast_cancer_wisconsin();
    let scaled = table.data.mapv(|v| (v - 1.0) / 9.0);
    assert_close(&scaled, &shipped.features, PARSE_TOLERANCE);
    assert_eq!(table.lines.len(), 683);
    // With the mean fill every row stays; with Fail the first `?` (line 24, bare nuclei) stops it.
    let options = CsvOptions::new().columns(1..10).missing_tokens(["?"]);
    let filled = options
        .clone()
        .missing(Missing::Mean)
        .read_path::<f32>(data_path("breast-cancer-wisconsin.csv"));
    assert_eq!(filled.unwrap().data.dim(), (699, 9));
    let err = options
        .read_path::<f32>(data_path("breast-cancer-wisconsin.csv"))
        .unwrap_err();
    assert_eq!(
        err,
        Error::MissingValue {
            line: 24,
            column: 6
        }
    );
}

#[test]
fn f32_and_f64_read_the_same_values() {
    let csv = "0.1,0.2\n0.3,0.4\n";
    let wide: Table<f64> = read(&CsvOptions::new(), csv).unwrap();
    let narrow: Table<f32> = CsvOptions::new().read(csv.as_bytes()).unwrap();
    assert_close(&narrow.data.mapv(f64::from), &wide.data, 1e-7);
}

/// Text, whether it has a header, the rows read and the line each starts on.
type CommentCase = (
    &'static str,
    bool,
    &'static [&'static [f64]],
    &'static [u64],
);

/// Comment lines of every kind, with every line ending: the rows pandas gives
/// (`pd.read_csv(text, comment='#', header=None or 0, skip_blank_lines=True)`, pandas 3.1.1)
/// and the line each starts on.
#[test]
fn comment_lines_give_the_rows_pandas_gives() {
    #[rustfmt::skip]
    let cases: &[CommentCase] = &[
        ("1\n3\n#end", false, &[&[1.0], &[3.0]], &[1, 2]),
        ("1\r#c\r2\r3\r", false, &[&[1.0], &[2.0], &[3.0]], &[1, 3, 4]),
        ("1\n#c\n2\n", false, &[&[1.0], &[2.0]], &[1, 3]),
        ("1\r\n#c\r\n2\r\n", false, &[&[1.0], &[2.0]], &[1, 3]),
        ("#c\n1\n2", false, &[&[1.0], &[2.0]], &[2, 3]),
        ("#c\r1\r2", false, &[&[1.0], &[2.0]], &[2, 3]),
        ("#c\r\n1\r\n2\r\n", false, &[&[1.0], &[2.0]], &[2, 3]),
        ("1\n2\n#c", false, &[&[1.0], &[2.0]], &[1, 2]),
        ("1\r2\r#c\r", false, &[&[1.0], &[2.0]], &[1, 2]),
        ("1\r\n2\r\n#c", false, &[&[1.0], &[2.0]], &[1, 2]),
        ("1\n#c\r2\r\n#d\n\n3", false, &[&[1.0], &[2.0], &[3.0]], &[1, 3, 6]),
        ("1,2\n#a,\"b\n3,4\n", false, &[&[1.0, 2.0], &[3.0, 4.0]], &[1, 3]),
        ("1,2\r#\"\r3,4\r", false, &[&[1.0, 2.0], &[3.0, 4.0]], &[1, 3]),
        ("1,2\n#,,,\n3,4\n#\n", false, &[&[1.0, 2.0], &[3.0, 4.0]], &[1, 3]),
        ("#\n#\n1\n", false, &[&[1.0]], &[3]),
        ("1\n\n#c\n\n2\n\n", false, &[&[1.0], &[2.0]], &[1, 5]),
        ("\r\n\r\n1\r\r#c\r\r2", false, &[&[1.0], &[2.0]], &[3, 7]),
        ("a,b\n#c\n1,2\n#d\n3,4", true, &[&[1.0, 2.0], &[3.0, 4.0]], &[3, 5]),
        ("#c\na,b\n1,2\r#d\r3,4\r", true, &[&[1.0, 2.0], &[3.0, 4.0]], &[3, 5]),
        ("#c\r\na,b\r\n#\"\r\n1,2\r\n", true, &[&[1.0, 2.0]], &[4]),
        ("\"1\",2\n#c\n\"3\",4\n", false, &[&[1.0, 2.0], &[3.0, 4.0]], &[1, 3]),
        ("1,2\n#end\"", false, &[&[1.0, 2.0]], &[1]),
        ("\u{feff}#c\n1,2\n", false, &[&[1.0, 2.0]], &[2]),
    ];
    for &(text, header, rows, lines) in cases {
        // `Missing::Mean` turned an empty record made of a comment into an invented row.
        let options = CsvOptions::new()
            .comment(Some(b'#'))
            .has_header(header)
            .missing(Missing::Mean);
        let table = read(&options, text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let n_cols = rows[0].len();
        let expected = Array2::from_shape_vec(
            (rows.len(), n_cols),
            rows.iter().flat_map(|r| r.iter().copied()).collect(),
        )
        .unwrap();
        assert_eq!(table.data, expected, "{text:?}");
        assert_eq!(table.lines, lines, "{text:?}");
        if header {
            assert_eq!(table.names, ["a", "b"], "{text:?}");
        }
    }
}

#[test]
fn a_comment_byte_inside_quotes_is_data() {
    // pandas reads the same: the quoted field is `a\n#` and there are two rows.
    let options = CsvOptions::new().comment(Some(b'#')).columns([0]);
    for text in [
        "1,\"a\n#\"\n2,c\n",
        "1,\"a\r#b\"\r2,c",
        "1,\"a\r\n#,\"\"\"\r\n2,c",
    ] {
        let table = read(&options, text).unwrap();
        assert_eq!(table.data, array![[1.0], [2.0]], "{text:?}");
        assert_eq!(table.lines, [1, 3], "{text:?}");
    }
    // In the middle of a line the comment byte is data, here not a number.
    let err = read(&options, "1#c,2\n").unwrap_err();
    assert!(
        matches!(err, Error::NonNumericField { line: 1, column: 0, ref field } if field == "1#c")
    );
}

/// A reader handing out its data one byte at a time, as a pipe may.
struct OneByteAtATime<'a>(&'a [u8]);

impl std::io::Read for OneByteAtATime<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(out)) => {
                *out = b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn a_byte_order_mark_is_dropped_however_the_data_arrives() {
    let text = "\u{feff}#c\n1,2\n\u{feff}3,4\n";
    let options = CsvOptions::new().comment(Some(b'#')).columns([1]);
    for table in [
        options.read::<f64, _>(text.as_bytes()).unwrap(),
        options
            .read::<f64, _>(OneByteAtATime(text.as_bytes()))
            .unwrap(),
    ] {
        assert_eq!(table.data, array![[2.0], [4.0]]);
        assert_eq!(table.lines, [2, 3]);
    }
    // Only at the start of the data.
    let err = options
        .columns([0])
        .read::<f64, _>(OneByteAtATime(text.as_bytes()))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::NonNumericField {
            line: 3,
            column: 0,
            ..
        }
    ));
}

mod generated {
    //! Mixes of data, blank and comment lines with every line ending, checked against an
    //! independent reading: split the text into lines, drop blank and comment lines.

    use super::*;
    use proptest::prelude::*;

    /// One generated line: numbers, nothing, or a comment with quotes and delimiters in it.
    #[derive(Debug, Clone)]
    enum Line {
        Data(Vec<i32>),
        Blank,
        Comment(String),
    }

    fn line(n_cols: usize) -> impl Strategy<Value = Line> {
        prop_oneof![
            3 => prop::collection::vec(-99..100_i32, n_cols).prop_map(Line::Data),
            1 => Just(Line::Blank),
            2 => "[a-z\",# ]{0,6}".prop_map(Line::Comment),
        ]
    }

    fn text(lines: &[Line], endings: &[&str], final_break: bool) -> String {
        let mut text = String::new();
        for (i, line) in lines.iter().enumerate() {
            match line {
                Line::Data(values) => {
                    let fields: Vec<String> = values.iter().map(i32::to_string).collect();
                    text.push_str(&fields.join(","));
                }
                Line::Blank => {}
                Line::Comment(body) => {
                    text.push('#');
                    text.push_str(body);
                }
            }
            if i + 1 < lines.len() || final_break {
                text.push_str(endings[i % endings.len()]);
            }
        }
        text
    }

    /// The oracle: (line, values) of every line neither blank nor a comment.
    fn oracle(text: &str) -> Vec<(u64, Vec<f64>)> {
        let mut rows = Vec::new();
        let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
        for (i, line) in normalised.split('\n').enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let values = line.split(',').map(|f| f.parse().unwrap()).collect();
            rows.push((i as u64 + 1, values));
        }
        rows
    }

    /// The lines of `text`, each with its line break (`\r\n` is one).
    fn line_pieces(text: &str) -> Vec<&str> {
        let bytes = text.as_bytes();
        let mut pieces = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let end = match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
                b'\r' | b'\n' => i + 1,
                _ => {
                    i += 1;
                    continue;
                }
            };
            pieces.push(&text[start..end]);
            start = end;
            i = end;
        }
        pieces.push(&text[start..]);
        pieces
    }

    proptest! {
        #[test]
        fn rows_and_lines_match_a_line_splitting_oracle(
            n_cols in 1..4_usize,
            seed_lines in prop::collection::vec(line(3), 0..20),
            endings in prop::collection::vec(prop::sample::select(vec!["\n", "\r\n", "\r"]), 1..4),
            final_break: bool,
            bad in any::<prop::sample::Index>(),
        ) {
            let lines: Vec<Line> = seed_lines
                .into_iter()
                .map(|l| match l {
                    Line::Data(v) => Line::Data(v[..n_cols].to_vec()),
                    other => other,
                })
                .collect();
            let text = text(&lines, &endings, final_break);
            let expected = oracle(&text);
            let options = CsvOptions::new().comment(Some(b'#')).missing(Missing::Mean);
            let table = read(&options, &text).unwrap();
            // However the bytes arrive.
            let trickled = options.read(OneByteAtATime(text.as_bytes())).unwrap();
            prop_assert_eq!(&trickled, &table);
            let values: Vec<f64> = expected.iter().flat_map(|(_, v)| v.iter().copied()).collect();
            let lines_kept: Vec<u64> = expected.iter().map(|(l, _)| *l).collect();
            prop_assert_eq!(table.data.iter().copied().collect::<Vec<_>>(), values);
            prop_assert_eq!(&table.lines, &lines_kept);
            if !expected.is_empty() {
                prop_assert_eq!(table.data.ncols(), n_cols);
            }

            // A non-number on one data line is reported on that line.
            if !expected.is_empty() {
                let (line, ref values) = expected[bad.index(expected.len())];
                let mut corrupted = String::new();
                for (i, piece) in line_pieces(&text).into_iter().enumerate() {
                    if i as u64 + 1 == line {
                        corrupted.push('x');
                    }
                    corrupted.push_str(piece);
                }
                let err = read(&options, &corrupted).unwrap_err();
                let field = format!("x{}", values[0]);
                prop_assert_eq!(err, Error::NonNumericField { line, column: 0, field });
            }
        }
    }
}
