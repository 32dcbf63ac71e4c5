//! Reading numeric CSV data into a matrix, one sample per row, with the `csv` crate.
//!
//! The file is long for the options it documents and the ways a file can be malformed, each
//! with its error and test.
//!
//! [`CsvOptions`] says how to read (header, delimiter, which columns, what counts as missing and
//! what to do about it); [`CsvOptions::read`] and [`CsvOptions::read_path`] return a [`Table`]
//! whose `data` is an `Array2<F>` ready for [`MinMaxScaler`](crate::MinMaxScaler) or
//! [`StandardScaler`](crate::StandardScaler) and then
//! [`VanillaAutoencoder::fit`](crate::VanillaAutoencoder::fit).
//!
//! # Examples
//! The whole workflow: load a CSV, scale it to `[0, 1]`, fit, encode.
//! ```
//! use autoencoder::{CsvOptions, MinMaxScaler, Missing, TrainConfig, VanillaAutoencoder};
//!
//! // An id column, three features (one value missing, written `?`) and a label.
//! let csv = "id,a,b,c,label\n\
//!            1,2.0,10,0.5,x\n\
//!            2,4.0,?,0.25,y\n\
//!            3,6.0,30,0.75,x\n\
//!            4,8.0,40,1.0,y\n";
//! let table = CsvOptions::new()
//!     .has_header(true)
//!     .columns(["a", "b", "c"])
//!     .missing_tokens(["?"])
//!     .missing(Missing::Mean)
//!     .read::<f64, _>(csv.as_bytes())?;
//! assert_eq!(table.data.dim(), (4, 3));
//! assert_eq!(table.names, ["a", "b", "c"]);
//!
//! let scaler = MinMaxScaler::fit(&table.data)?;
//! let x = scaler.transform(&table.data)?; // every column in [0, 1]
//! let mut model = VanillaAutoencoder::<f64>::new(3, 2, 0)?;
//! model.fit(&x, &TrainConfig::new().epochs(20))?;
//! let codes = model.encode(&x)?;
//! assert_eq!(codes.dim(), (4, 2));
//! # Ok::<(), autoencoder::Error>(())
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;
use std::path::Path;

use ndarray::Array2;

use crate::error::{Error, Result};
use crate::float::Float;

/// Longest field text kept in [`Error::NonNumericField`], in characters.
const MAX_FIELD_CHARS: usize = 64;

/// What to do with a row that has a missing value in a selected column.
///
/// A value is missing when its field is empty (after trimming spaces) or equals one of the
/// [`missing_tokens`](CsvOptions::missing_tokens).
///
/// # Examples
/// ```
/// use autoencoder::{CsvOptions, Missing};
///
/// let csv = "1,2\n,4\n5,6\n";
/// let dropped = CsvOptions::new().missing(Missing::Drop).read::<f64, _>(csv.as_bytes())?;
/// assert_eq!(dropped.data, ndarray::array![[1.0, 2.0], [5.0, 6.0]]);
/// let filled = CsvOptions::new().missing(Missing::Mean).read::<f64, _>(csv.as_bytes())?;
/// assert_eq!(filled.data, ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
/// assert!(CsvOptions::new().read::<f64, _>(csv.as_bytes()).is_err()); // Missing::Fail
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Missing {
    /// Return [`Error::MissingValue`] at the first missing value (the default).
    #[default]
    Fail,
    /// Leave out every row with a missing value; [`Table::lines`] tells which rows remain.
    Drop,
    /// Replace each missing value by the mean of the values present in its column.
    Mean,
}

/// A column to read: its 0-based index in the file, or its name in the header.
///
/// Built from a `usize` or a string, so [`CsvOptions::columns`] takes `[0, 2]`, `1..10`,
/// `["a", "b"]` or, mixed, `[Column::from(0), Column::from("b")]`.
///
/// # Examples
/// ```
/// use autoencoder::Column;
///
/// assert_eq!(Column::from(3), Column::Index(3));
/// assert_eq!(Column::from("age"), Column::Name("age".to_string()));
/// assert_eq!(Column::from("age").to_string(), "\"age\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Column {
    /// 0-based position of the field in each row.
    Index(usize),
    /// Name in the header row (the first column of that name).
    Name(String),
}

impl From<usize> for Column {
    fn from(index: usize) -> Self {
        Column::Index(index)
    }
}

impl From<&str> for Column {
    fn from(name: &str) -> Self {
        Column::Name(name.to_string())
    }
}

impl From<String> for Column {
    fn from(name: String) -> Self {
        Column::Name(name)
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Index(i) => write!(f, "{i}"),
            Column::Name(name) => write!(f, "{name:?}"),
        }
    }
}

/// How to read a numeric CSV file: a builder with consuming setters.
///
/// Fields are trimmed of surrounding spaces and parsed as decimal numbers (`3`, `-0.5`, `1e-3`);
/// a field that is not a finite number is an error, unless it counts as missing (empty, or one
/// of the [`missing_tokens`](Self::missing_tokens)). Empty lines are skipped. Every row must have
/// as many fields as the header (or the first row), whichever columns are selected. No input
/// makes the reader panic: every problem is an [`Error`] naming the line and column.
///
/// # Examples
/// ```
/// use autoencoder::{CsvOptions, Missing};
///
/// // The Wisconsin breast cancer file: no header, `?` for a missing value, an id in column 0,
/// // nine features in columns 1 to 9 and the class in column 10.
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast-cancer-wisconsin.csv");
/// let table = CsvOptions::new()
///     .columns(1..10)
///     .missing_tokens(["?"])
///     .missing(Missing::Drop)
///     .read_path::<f64>(path)?;
/// assert_eq!(table.data.dim(), (683, 9));
/// assert_eq!(table.lines[0], 1);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CsvOptions {
    has_header: bool,
    delimiter: u8,
    comment: Option<u8>,
    columns: Option<Vec<Column>>,
    missing: Missing,
    missing_tokens: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    fill_values: Option<Vec<f64>>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvOptions {
    /// Options with the defaults: no header, comma-delimited, no comment lines, every column,
    /// only empty fields missing, [`Missing::Fail`].
    ///
    /// # Examples
    /// ```
    /// let table = autoencoder::CsvOptions::new().read::<f32, _>("1,2\n3,4\n".as_bytes())?;
    /// assert_eq!(table.data, ndarray::array![[1.0f32, 2.0], [3.0, 4.0]]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn new() -> Self {
        Self {
            has_header: false,
            delimiter: b',',
            comment: None,
            columns: None,
            missing: Missing::Fail,
            missing_tokens: Vec::new(),
            fill_values: None,
        }
    }

    /// Under [`Missing::Mean`], the values to fill in, one per selected column (in the file's
    /// units), instead of the means of the data being read: new data is then filled as the
    /// training data was. Defaults to `None` (the means of the data being read).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{CsvOptions, Missing};
    ///
    /// let training = CsvOptions::new().missing(Missing::Mean).read::<f64, _>("1,2\n3,\n".as_bytes())?;
    /// let means = training.data.mean_axis(ndarray::Axis(0)).unwrap();
    /// let options = CsvOptions::new().missing(Missing::Mean).fill_values(means);
    /// let new = options.read::<f64, _>(",7\n".as_bytes())?;
    /// assert_eq!(new.data, ndarray::array![[2.0, 7.0]]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    #[must_use]
    pub fn fill_values<I: IntoIterator<Item = f64>>(mut self, values: I) -> Self {
        self.fill_values = Some(values.into_iter().collect());
        self
    }

    /// Whether the first row names the columns. Defaults to `false`.
    ///
    /// # Examples
    /// ```
    /// let csv = "x,y\n1,2\n";
    /// let table = autoencoder::CsvOptions::new().has_header(true).read::<f64, _>(csv.as_bytes())?;
    /// assert_eq!(table.names, ["x", "y"]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    #[must_use]
    pub fn has_header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// The field delimiter, one byte. Defaults to `b','`; `b'\t'` reads TSV, `b';'` the
    /// European CSV dialect.
    ///
    /// # Examples
    /// ```
    /// let table = autoencoder::CsvOptions::new().delimiter(b'\t').read::<f64, _>("1\t2\n".as_bytes())?;
    /// assert_eq!(table.data.dim(), (1, 2));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    #[must_use]
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Lines starting with this byte are skipped, whatever their line ending (`\n`, `\r\n` or
    /// a lone `\r`) and whatever they hold (quotes, delimiters). Defaults to `None` (no comment
    /// lines). The byte is data elsewhere: inside a line or a quoted field.
    ///
    /// # Examples
    /// ```
    /// let csv = "# made by hand\n1,2\n#, \"unclosed\r3,4\r# the end";
    /// let table = autoencoder::CsvOptions::new().comment(Some(b'#')).read::<f64, _>(csv.as_bytes())?;
    /// assert_eq!(table.data, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(table.lines, [2, 4]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    #[must_use]
    pub fn comment(mut self, comment: Option<u8>) -> Self {
        self.comment = comment;
        self
    }

    /// The columns to read, in the order given (a column may appear twice). Defaults to every
    /// column. Indices are 0-based; names need [`has_header(true)`](Self::has_header).
    ///
    /// Fields outside the selection are not parsed, so an id or a text label there is fine.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Column, CsvOptions};
    ///
    /// let csv = "id,a,b\n7,1,2\n8,3,4\n";
    /// let by_index = CsvOptions::new().has_header(true).columns(1..3).read::<f64, _>(csv.as_bytes())?;
    /// let by_name = CsvOptions::new().has_header(true).columns(["b", "a"]).read::<f64, _>(csv.as_bytes())?;
    /// let mixed = CsvOptions::new()
    ///     .has_header(true)
    ///     .columns([Column::from(0), Column::from("b")])
    ///     .read::<f64, _>(csv.as_bytes())?;
    /// assert_eq!(by_index.data, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(by_name.data, ndarray::array![[2.0, 1.0], [4.0, 3.0]]);
    /// assert_eq!(mixed.data, ndarray::array![[7.0, 2.0], [8.0, 4.0]]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    #[must_use]
    pub fn columns<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Column>,
    {
        self.columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }

    /// What to do about missing values. Defaults to [`Missing::Fail`].
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{CsvOptions, Missing};
    ///
    /// let table = CsvOptions::new().missing(Missing::Drop).read::<f64, _>("1,\n2,3\n".as_bytes())?;
    /// assert_eq!(table.lines, [2]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    #[must_use]
    pub fn missing(mut self, missing: Missing) -> Self {
        self.missing = missing;
        self
    }

    /// Field texts (compared after trimming spaces) that mean "missing", besides the empty
    /// field, which always does. Defaults to none; `["?"]`, `["NA"]` or `["NA", "NaN", "-"]`
    /// are common. Replaces any tokens set before.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{CsvOptions, Missing};
    ///
    /// let options = CsvOptions::new().missing_tokens(["NA", "?"]).missing(Missing::Mean);
    /// let table = options.read::<f64, _>("1\nNA\n3\n?\n".as_bytes())?;
    /// assert_eq!(table.data.column(0).to_vec(), [1.0, 2.0, 3.0, 2.0]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    #[must_use]
    pub fn missing_tokens<I>(mut self, tokens: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.missing_tokens = tokens
            .into_iter()
            .map(|t| t.into().trim().to_string())
            .collect();
        self
    }

    /// Reads the CSV file at `path`.
    ///
    /// # Errors
    /// [`Error::DataIo`] when the file cannot be opened or read; otherwise as
    /// [`read`](Self::read).
    ///
    /// # Examples
    /// ```
    /// // Column 0 of the Wisconsin file (the data the crate ships): the sample ids.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast-cancer-wisconsin.csv");
    /// let ids = autoencoder::CsvOptions::new().columns(0..1).read_path::<f64>(path)?;
    /// assert_eq!(ids.data.dim(), (699, 1));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn read_path<F: Float>(&self, path: impl AsRef<Path>) -> Result<Table<F>> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::DataIo {
            kind: e.kind(),
            message: format!("{}: {e}", path.display()),
        })?;
        self.read(file).map_err(|e| match e {
            Error::DataIo { kind, message } => Error::DataIo {
                kind,
                message: format!("{}: {message}", path.display()),
            },
            other => other,
        })
    }

    /// Reads CSV data from any reader (a file, a byte slice, standard input, a gzip decoder).
    ///
    /// # Errors
    /// - [`Error::DataIo`] when the reader fails;
    /// - [`Error::RaggedRow`] for a row whose field count differs from the header's (or the
    ///   first row's);
    /// - [`Error::UnknownColumn`] for a selected column that does not exist;
    /// - [`Error::NonNumericField`] for a selected field that is not a finite number (in `F`:
    ///   `1e39` overflows `f32`) and not missing;
    /// - [`Error::MissingValue`] for a missing value under [`Missing::Fail`];
    /// - [`Error::NoValuesInColumn`] under [`Missing::Mean`] for a column with every value
    ///   missing (without [`fill_values`](Self::fill_values));
    /// - [`Error::LengthMismatch`] for fill values of another count than the selected
    ///   columns, [`Error::InvalidParameter`] for a fill value that is not finite.
    ///
    /// Data with no rows is not an error: the table has zero rows.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{CsvOptions, Error};
    ///
    /// let err = CsvOptions::new().read::<f64, _>("1,2\n3,x\n".as_bytes()).unwrap_err();
    /// assert!(matches!(err, Error::NonNumericField { line: 2, column: 1, .. }));
    /// let err = CsvOptions::new().read::<f64, _>("1,2\n3\n".as_bytes()).unwrap_err();
    /// assert!(matches!(err, Error::RaggedRow { line: 2, expected: 2, found: 1 }));
    /// ```
    pub fn read<F: Float, R: Read>(&self, reader: R) -> Result<Table<F>> {
        // Comments and line numbers are handled in `LineReader`, before the csv reader.
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(LineReader::new(reader, self.comment, self.delimiter));
        let mut record = ::csv::ByteRecord::new();

        // The header, or the first row, fixes the field count.
        let mut header: Option<Vec<String>> = None;
        let mut first_row = false;
        if next_record(&mut reader, &mut record)? {
            if self.has_header {
                header = Some(record.iter().map(field_text).collect());
            } else {
                first_row = true;
            }
        }
        let n_fields = record.len();
        let selected = self.resolve_columns(header.as_deref(), n_fields, first_row)?;
        let names = match &header {
            Some(header) => selected.iter().map(|&c| header[c].clone()).collect(),
            None => selected.iter().map(|c| c.to_string()).collect(),
        };

        let n_cols = selected.len();
        if let (Missing::Mean, Some(fill)) = (self.missing, &self.fill_values) {
            if fill.len() != n_cols {
                return Err(Error::LengthMismatch {
                    expected: n_cols,
                    found: fill.len(),
                });
            }
            if let Some(&bad) = fill.iter().find(|&&v| !F::cast(v).is_finite()) {
                return Err(Error::InvalidParameter {
                    name: "fill value",
                    value: bad,
                    expected: "finite",
                });
            }
        }
        // Missing values are NaN until the mean fill: every parsed value is finite.
        let mut values: Vec<f64> = Vec::new();
        let mut lines: Vec<u64> = Vec::new();
        let mut have_row = first_row;
        'rows: while have_row || next_record(&mut reader, &mut record)? {
            have_row = false;
            let line = reader.get_mut().line_of(&record);
            if record.len() != n_fields {
                return Err(Error::RaggedRow {
                    line,
                    expected: n_fields,
                    found: record.len(),
                });
            }
            let row_start = values.len();
            for &column in &selected {
                match (
                    self.parse_field::<F>(&record[column], line, column)?,
                    self.missing,
                ) {
                    (Some(v), _) => values.push(v),
                    (None, Missing::Fail) => return Err(Error::MissingValue { line, column }),
                    (None, Missing::Drop) => {
                        values.truncate(row_start);
                        continue 'rows;
                    }
                    (None, Missing::Mean) => values.push(f64::NAN),
                }
            }
            lines.push(line);
        }
        if self.missing == Missing::Mean {
            fill_with_means(&mut values, &selected, self.fill_values.as_deref())?;
        }
        let data = values.into_iter().map(F::cast).collect();
        let data = Array2::from_shape_vec((lines.len(), n_cols), data)
            // `n_cols` values were pushed for every line recorded.
            .expect("one value per selected column and kept row");
        Ok(Table { data, names, lines })
    }

    /// Turns the selection into 0-based field indices, checked against the data.
    fn resolve_columns(
        &self,
        header: Option<&[String]>,
        n_fields: usize,
        has_rows: bool,
    ) -> Result<Vec<usize>> {
        let Some(columns) = &self.columns else {
            return Ok((0..n_fields).collect());
        };
        // With neither a header nor a row, nothing can be checked: an empty table.
        let known = header.is_some() || has_rows;
        columns
            .iter()
            .map(|column| match column {
                Column::Index(i) if *i < n_fields || !known => Ok(*i),
                Column::Name(name) => header
                    .and_then(|h| h.iter().position(|h| h == name))
                    .ok_or_else(|| Error::UnknownColumn {
                        column: column.to_string(),
                        n_columns: n_fields,
                        header_note: if header.is_some() {
                            ""
                        } else {
                            ", and no header to look names up in"
                        },
                    }),
                Column::Index(_) => Err(Error::UnknownColumn {
                    column: column.to_string(),
                    n_columns: n_fields,
                    header_note: "",
                }),
            })
            .collect()
    }

    /// `Ok(None)` for a missing value, `Ok(Some(v))` for a number finite in `F`.
    fn parse_field<F: Float>(&self, bytes: &[u8], line: u64, column: usize) -> Result<Option<f64>> {
        let text = std::str::from_utf8(bytes).map(str::trim);
        if let Ok(text) = text
            && (text.is_empty() || self.missing_tokens.iter().any(|t| t == text))
        {
            return Ok(None);
        }
        let value = text.ok().and_then(|t| t.parse::<f64>().ok());
        match value {
            Some(v) if v.is_finite() && F::cast(v).is_finite() => Ok(Some(v)),
            _ => Err(Error::NonNumericField {
                line,
                column,
                field: field_text(bytes).chars().take(MAX_FIELD_CHARS).collect(),
            }),
        }
    }
}

/// Numeric data read from CSV: the matrix, its column names and the line of each row.
///
/// # Examples
/// ```
/// let table = autoencoder::CsvOptions::new().read::<f64, _>("1,2\n3,4\n".as_bytes())?;
/// assert_eq!(table.data.dim(), (2, 2));
/// assert_eq!(table.names, ["0", "1"]);
/// assert_eq!(table.lines, [1, 2]);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table<F> {
    /// `[n_samples, n_columns]`: the selected columns, in the order they were selected.
    pub data: Array2<F>,
    /// Name of each column of `data`: from the header, or the 0-based file index as text.
    pub names: Vec<String>,
    /// 1-based line of the file on which each row of `data` starts (rows dropped for missing
    /// values leave gaps).
    pub lines: Vec<u64>,
}

/// Reads the next record; `false` at the end of the data.
fn next_record<R: Read>(
    reader: &mut ::csv::Reader<R>,
    record: &mut ::csv::ByteRecord,
) -> Result<bool> {
    reader.read_byte_record(record).map_err(|e| {
        let line = e
            .position()
            .map_or(String::new(), |p| format!("line {}: ", p.line()));
        let kind = match e.kind() {
            ::csv::ErrorKind::Io(io) => io.kind(),
            _ => std::io::ErrorKind::InvalidData,
        };
        Error::DataIo {
            kind,
            message: format!("{line}{e}"),
        }
    })
}

/// Where the lexer of a [`LineReader`] stands, mirroring the csv reader's states for its default
/// quoting (`"` quotes, `""` inside quotes is a quote, no escape byte, any `\r` or `\n` ends a
/// line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lexer {
    /// At the start of a line outside quotes: a record, a blank line or a comment may begin.
    LineStart,
    /// At the start of a field after a delimiter.
    FieldStart,
    /// In a field that did not start with a quote.
    Unquoted,
    /// In a quoted field, where line breaks, delimiters and comment bytes are data.
    Quoted,
    /// After a quote in a quoted field: a second quote stands for one, anything else closes.
    QuoteInQuoted,
    /// In a comment line, which is dropped up to and including its line break.
    Comment,
}

/// UTF-8 byte order mark, which some programs write at the start of a file.
const BYTE_ORDER_MARK: [u8; 3] = [0xef, 0xbb, 0xbf];

/// A reader that drops comment lines and a leading byte order mark before the csv reader sees
/// the data, and notes the 1-based line on which each record begins.
///
/// The csv reader's own comment handling ends a comment only at `\n` (so a comment in a file
/// with lone `\r` line endings swallows the rest of the file) and turns a comment on the last
/// line, without a final line break, into an empty record; its line count skips blank lines.
/// Dropping comments here, with quotes tracked so that a `#` inside a quoted field stays data,
/// gives the csv reader plain records and this reader the true line numbers.
///
/// Memory: one entry per record start read ahead of the records returned, at most one read
/// buffer's worth, whatever the number of blank or comment lines.
struct LineReader<R> {
    inner: R,
    comment: Option<u8>,
    delimiter: u8,
    lexer: Lexer,
    /// 1-based line of the next byte.
    line: u64,
    after_cr: bool,
    /// Bytes passed on to the csv reader so far: the offsets its positions count.
    passed_on: u64,
    /// (offset passed on, line) of each record start not yet claimed by [`Self::line_of`].
    record_starts: VecDeque<(u64, u64)>,
    /// The first bytes of the data, read ahead to find a byte order mark; `head.0[head.1..head.2]`
    /// is still to be passed on.
    head: Option<([u8; 3], usize, usize)>,
}

impl<R: Read> LineReader<R> {
    fn new(inner: R, comment: Option<u8>, delimiter: u8) -> Self {
        Self {
            inner,
            comment,
            delimiter,
            lexer: Lexer::LineStart,
            line: 1,
            after_cr: false,
            passed_on: 0,
            record_starts: VecDeque::new(),
            head: None,
        }
    }

    /// 1-based line on which `record` starts.
    ///
    /// The csv reader's byte position of a record is the end of the previous one; the record
    /// starts at the first record start noted from there on.
    fn line_of(&mut self, record: &::csv::ByteRecord) -> u64 {
        // The reader sets the position of every record it returns.
        let after_previous = record.position().map_or(0, ::csv::Position::byte);
        while self
            .record_starts
            .front()
            .is_some_and(|&(at, _)| at < after_previous)
        {
            self.record_starts.pop_front();
        }
        // Every record the csv reader returns starts where this lexer noted one; the current
        // line is only a fallback that keeps a disagreement from panicking.
        self.record_starts
            .front()
            .map_or(self.line, |&(_, line)| line)
    }

    /// Reads raw bytes into `buf`, the first three of the data once checked for a byte order
    /// mark (read ahead together, so a reader that returns one byte at a time is no different).
    fn read_raw(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let (bytes, start, end) = match &mut self.head {
            Some(head) => head,
            None => {
                let mut bytes = [0; 3];
                let mut end = 0;
                while end < bytes.len() {
                    match self.inner.read(&mut bytes[end..]) {
                        Ok(0) => break,
                        // `n <= 3 - end` by the contract of `Read`; `min` keeps a broken reader
                        // from making the slice below panic.
                        Ok(n) => end = (end + n).min(bytes.len()),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                let start = if bytes == BYTE_ORDER_MARK { 3 } else { 0 };
                self.head.insert((bytes, start, end))
            }
        };
        if start < end {
            let n = (*end - *start).min(buf.len());
            buf[..n].copy_from_slice(&bytes[*start..*start + n]);
            *start += n;
            return Ok(n);
        }
        let n = self.inner.read(buf)?;
        // `n <= buf.len()` by the contract of `Read`; `min` keeps a broken reader from panicking.
        Ok(n.min(buf.len()))
    }

    /// Advances the lexer over one byte; `false` when the byte belongs to a comment line.
    fn keep(&mut self, b: u8) -> bool {
        let line = self.line;
        // Lines end at `\n`, `\r\n` or a lone `\r`, as the csv reader takes them.
        if b == b'\r' || (b == b'\n' && !self.after_cr) {
            self.line += 1;
        }
        self.after_cr = b == b'\r';
        let is_break = b == b'\r' || b == b'\n';
        // The order of the tests follows the csv reader's: line break, comment, quote, delimiter.
        let state = match self.lexer {
            // A blank line, or the rest of a line break.
            Lexer::LineStart if is_break => return true,
            Lexer::LineStart if Some(b) == self.comment => {
                self.lexer = Lexer::Comment;
                return false;
            }
            Lexer::Comment => {
                if is_break {
                    self.lexer = Lexer::LineStart;
                }
                return false;
            }
            Lexer::LineStart => {
                self.record_starts.push_back((self.passed_on, line));
                Lexer::FieldStart
            }
            state => state,
        };
        self.lexer = match state {
            Lexer::FieldStart if b == b'"' => Lexer::Quoted,
            Lexer::Quoted if b == b'"' => Lexer::QuoteInQuoted,
            Lexer::Quoted => Lexer::Quoted,
            Lexer::QuoteInQuoted if b == b'"' => Lexer::Quoted,
            _ if b == self.delimiter => Lexer::FieldStart,
            _ if is_break => Lexer::LineStart,
            _ => Lexer::Unquoted,
        };
        true
    }
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Zero bytes would mean the end of the data: read on while everything read is comment.
        loop {
            let n = self.read_raw(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                let b = buf[i];
                if self.keep(b) {
                    buf[kept] = b;
                    kept += 1;
                    self.passed_on += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

/// A field as text, trimmed, with invalid UTF-8 replaced.
fn field_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// Replaces each NaN (a missing value) by `fill[k]` for the `k`-th selected column when given,
/// else by the mean of the values present in its column.
fn fill_with_means(values: &mut [f64], selected: &[usize], fill: Option<&[f64]>) -> Result<()> {
    let n_cols = selected.len();
    if n_cols == 0 {
        return Ok(());
    }
    for (k, &column) in selected.iter().enumerate() {
        let in_column = || values.iter().skip(k).step_by(n_cols);
        if !in_column().any(|v| v.is_nan()) {
            continue;
        }
        let value = match fill {
            // `read` checked that there is one fill value per selected column.
            Some(fill) => fill[k],
            None => {
                // A running mean, `m += v/n - m/n`: finite for any finite values, where a plain
                // sum (or `v - m`) could overflow.
                let (mut mean, mut count) = (0.0_f64, 0_usize);
                for v in in_column().filter(|v| !v.is_nan()) {
                    count += 1;
                    let n = count as f64;
                    mean += v / n - mean / n;
                }
                if count == 0 {
                    return Err(Error::NoValuesInColumn { column });
                }
                mean
            }
        };
        values
            .iter_mut()
            .skip(k)
            .step_by(n_cols)
            .filter(|v| v.is_nan())
            .for_each(|v| *v = value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(options: &CsvOptions, csv: &str) -> Result<Table<f64>> {
        options.read(csv.as_bytes())
    }

    #[test]
    fn lines_count_comments_and_quoted_newlines() {
        let options = CsvOptions::new().comment(Some(b'#'));
        let err = read(&options, "# note\n1,2\n\"3\n\",4\n5,x\n").unwrap_err();
        assert!(
            matches!(
                err,
                Error::NonNumericField {
                    line: 5,
                    column: 1,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn empty_data_gives_an_empty_table() {
        let table = read(&CsvOptions::new(), "").unwrap();
        assert_eq!(table.data.dim(), (0, 0));
        let table = read(&CsvOptions::new().has_header(true).columns(["a"]), "a,b\n").unwrap();
        assert_eq!(table.data.dim(), (0, 1));
        let table = read(&CsvOptions::new().columns([3]), "").unwrap();
        assert_eq!(table.data.dim(), (0, 1));
    }

    #[test]
    fn lines_count_blank_lines_crlf_and_a_byte_order_mark() {
        for csv in [
            "1\n\n\n2\nx\n",
            "1\r\n\r\n\r\n2\r\nx\r\n",
            "\u{feff}1\n\n\n2\nx\n",
        ] {
            let err = read(&CsvOptions::new(), csv).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::NonNumericField {
                        line: 5,
                        column: 0,
                        ..
                    }
                ),
                "{csv:?}: {err}"
            );
        }
        let table = read(
            &CsvOptions::new().missing(Missing::Drop),
            "\n1,2\n\n,5\n3,4",
        )
        .unwrap();
        assert_eq!(table.lines, [2, 5]);
    }

    #[test]
    fn an_unterminated_quote_runs_to_the_end_on_its_own_line() {
        // Found by the `read_csv` fuzz target: the last record used to get its predecessor's line.
        let options = CsvOptions::new().has_header(true).columns([0]);
        let table = read(&options, "a,b\n1,2\n3,\"\n4,5\n").unwrap();
        assert_eq!(table.lines, [2, 3]);
        let err = read(&options.columns([1]), "a,b\n1,2\n3,\"\n4,5\n").unwrap_err();
        assert!(matches!(
            err,
            Error::NonNumericField {
                line: 3,
                column: 1,
                ..
            }
        ));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        // Found by the `read_csv` fuzz target.
        let err = read(&CsvOptions::new(), "1\r2\r\n\r3\nx\r").unwrap_err();
        assert!(
            matches!(
                err,
                Error::NonNumericField {
                    line: 5,
                    column: 0,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn overflow_in_f32_is_not_a_number() {
        let err = CsvOptions::new()
            .read::<f32, _>("1e39\n".as_bytes())
            .unwrap_err();
        assert!(matches!(
            err,
            Error::NonNumericField {
                line: 1,
                column: 0,
                ..
            }
        ));
        assert!(read(&CsvOptions::new(), "1e39\n").is_ok());
        for text in ["inf", "NaN", "1e999", "0x10"] {
            let err = read(&CsvOptions::new(), text).unwrap_err();
            assert!(matches!(err, Error::NonNumericField { .. }), "{text}");
        }
    }

    #[test]
    fn invalid_utf8_is_a_non_numeric_field_not_a_panic() {
        let err = CsvOptions::new()
            .read::<f64, _>(&b"1,\xff\n"[..])
            .unwrap_err();
        assert!(matches!(
            err,
            Error::NonNumericField {
                line: 1,
                column: 1,
                ..
            }
        ));
    }

    #[test]
    fn mean_of_huge_values_stays_finite() {
        let csv = "1e308\n1.5e308\n\n,\n";
        let err = read(&CsvOptions::new().missing(Missing::Mean), csv).unwrap_err();
        // The last row has two fields: ragged.
        let ragged = Error::RaggedRow {
            line: 4,
            expected: 1,
            found: 2,
        };
        assert_eq!(err, ragged);
        let table = read(
            &CsvOptions::new().missing(Missing::Mean),
            "1e308\n1.5e308\n\"\"\n",
        )
        .unwrap();
        assert!(table.data.iter().all(|v| v.is_finite()));
    }
}
