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
