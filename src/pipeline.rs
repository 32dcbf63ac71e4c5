//! [`Pipeline`]: everything needed to score raw data in a fresh process — how to read it, the
//! scaler, the model, the loss it was trained with and the anomaly threshold — and its
//! deployment file.

use std::fmt;
use std::io::Read;
use std::path::Path;

use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};

use crate::anomaly::{AnomalyDetector, Threshold};
use crate::any_model::Autoencoder;
use crate::csv::{CsvOptions, Table};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::loss::Loss;
use crate::scaler::Scaler;

/// Raw rows in, codes, reconstructions, anomaly scores and labels out.
///
/// A pipeline holds the [`CsvOptions`] the training file was read with (header, delimiter,
/// selected columns, missing values), the names of the selected columns, an optional
/// [`Scaler`], an [`AnomalyDetector`] over any model of the crate, and the [`Loss`] the model was
/// trained with. Every method takes raw data (the selected columns, in their original units);
/// the pipeline scales it itself. With the `serde` feature it saves as one versioned, checked
/// JSON file ([`save_json`](Self::save_json)); a loaded pipeline gives the same scores, bit for
/// bit, as the one that was saved.
///
/// # Examples
/// ```
/// use autoencoder::{
///     AnomalyDetector, CsvOptions, Loss, MinMaxScaler, Pipeline, Scaler, Threshold, TrainConfig,
///     VanillaAutoencoder,
/// };
///
/// let csv = "a,b,c\n1,10,100\n2,20,200\n3,30,300\n4,40,400\n5,50,500\n6,60,600\n";
/// let options = CsvOptions::new().has_header(true);
/// let table = options.read::<f64, _>(csv.as_bytes())?;
/// let scaler = MinMaxScaler::fit(&table.data)?;
/// let model = VanillaAutoencoder::<f64>::new(3, 1, 0)?;
/// let config = TrainConfig::new().epochs(50);
/// let detector = AnomalyDetector::train(
///     model,
///     &scaler.transform(&table.data)?,
///     &config,
///     Threshold::Contamination(0.1),
/// )?;
/// let pipeline = Pipeline::new(
///     options,
///     table.names,
///     Some(Scaler::from(scaler)),
///     Loss::Mse,
///     detector.into_boxed(),
/// )?;
/// let raw = pipeline.read("a,b,c\n3.5,35,350\n".as_bytes())?;
/// let scores = pipeline.scores(&raw.data)?;
/// let back = pipeline.reconstruct(&raw.data)?; // in the original units
/// assert_eq!((scores.len(), back.dim()), (1, (1, 3)));
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Clone)]
pub struct Pipeline<F: Float> {
    csv: CsvOptions,
    column_names: Vec<String>,
    scaler: Option<Scaler<F>>,
    loss: Loss,
    detector: AnomalyDetector<F, Box<dyn Autoencoder<F>>>,
}

impl<F: Float> fmt::Debug for Pipeline<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = self.detector.model();
        f.debug_struct("Pipeline")
            .field("columns", &self.column_names.len())
            .field("scaler", &self.scaler.as_ref().map(Scaler::kind))
            .field("model", &model.kind())
            .field("n_inputs", &model.n_inputs())
            .field("n_code", &model.n_code())
            .field("loss", &self.loss)
            .field("threshold", &self.detector.threshold())
            .finish()
    }
}

impl<F: Float> Pipeline<F> {
    /// Puts a pipeline together.
    ///
    /// # Errors
    /// [`Error::InvalidPipeline`] when the column names, the scaler and the model do not all
    /// have the same width.
    pub fn new(
        csv: CsvOptions,
        column_names: Vec<String>,
        scaler: Option<Scaler<F>>,
        loss: Loss,
        detector: AnomalyDetector<F, Box<dyn Autoencoder<F>>>,
    ) -> Result<Self> {
        let n_inputs = detector.model().n_inputs();
        if column_names.len() != n_inputs {
            return Err(Error::InvalidPipeline(format!(
                "{} column names for a model of {n_inputs} inputs",
                column_names.len()
            )));
        }
        if let Some(scaler) = &scaler
            && scaler.n_features() != n_inputs
        {
            return Err(Error::InvalidPipeline(format!(
                "a scaler of {} columns for a model of {n_inputs} inputs",
                scaler.n_features()
            )));
        }
        Ok(Self {
            csv,
            column_names,
            scaler,
            loss,
            detector,
        })
    }

    /// Reads raw rows with the pipeline's CSV options (the training file's layout).
    ///
    /// # Errors
    /// As [`CsvOptions::read`].
    pub fn read<R: Read>(&self, reader: R) -> Result<Table<F>> {
        self.csv.read(reader)
    }

    /// Reads a raw CSV file with the pipeline's CSV options.
    ///
    /// # Errors
    /// As [`CsvOptions::read_path`].
    pub fn read_path(&self, path: impl AsRef<Path>) -> Result<Table<F>> {
        self.csv.read_path(path)
    }

    /// The model's inputs for raw rows: scaled, when the pipeline has a scaler.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`], [`Error::NonFiniteInput`], [`Error::ScalingOverflow`].
    pub fn transform<S: Data<Elem = F>>(&self, raw: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        match &self.scaler {
            Some(scaler) => scaler.transform(raw),
            None => {
                crate::validate::columns(raw, self.n_inputs())?;
                crate::validate::finite(raw)?;
                Ok(raw.to_owned())
            }
        }
    }

    /// Codes of raw rows, `[n_samples, n_code]`.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn encode<S: Data<Elem = F>>(&self, raw: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        self.detector.model().encode(self.transform(raw)?.view())
    }

    /// Reconstructions of raw rows, in the original units.
    ///
    /// # Errors
    /// As [`transform`](Self::transform); [`Error::ScalingOverflow`] when a reconstruction lies
    /// too far outside the scaler's range to map back.
    pub fn reconstruct<S: Data<Elem = F>>(&self, raw: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        let z = self
            .detector
            .model()
            .reconstruct(self.transform(raw)?.view())?;
        match &self.scaler {
            Some(scaler) => scaler.inverse_transform(&z),
            None => Ok(z),
        }
    }

    /// Anomaly scores of raw rows by the detector's [`Scoring`](crate::Scoring), in the scaled
    /// space (higher is more anomalous).
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn scores<S: Data<Elem = F>>(&self, raw: &ArrayBase<S, Ix2>) -> Result<Array1<F>> {
        self.detector.scores(&self.transform(raw)?)
    }

    /// The scores of the raw training rows as the threshold was set from them (see
    /// [`AnomalyDetector::training_scores`]).
    ///
    /// # Errors
    /// As [`transform`](Self::transform) and [`AnomalyDetector::training_scores`].
    pub fn training_scores<S: Data<Elem = F>>(&self, raw: &ArrayBase<S, Ix2>) -> Result<Array1<F>> {
        self.detector.training_scores(&self.transform(raw)?)
    }

    /// Anomaly labels of raw rows, by the stored threshold (see [`AnomalyDetector::predict`]).
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn predict<S: Data<Elem = F>>(&self, raw: &ArrayBase<S, Ix2>) -> Result<Array1<bool>> {
        self.detector.predict(&self.transform(raw)?)
    }

    /// The CSV options raw files are read with.
    pub fn csv_options(&self) -> &CsvOptions {
        &self.csv
    }

    /// Names of the model's input columns, in order.
    pub fn column_names(&self) -> &[String] {
        &self.column_names
    }

    /// The scaler, if the data is scaled.
    pub fn scaler(&self) -> Option<&Scaler<F>> {
        self.scaler.as_ref()
    }

    /// The loss the model was trained with.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// The detector: model and threshold.
    pub fn detector(&self) -> &AnomalyDetector<F, Box<dyn Autoencoder<F>>> {
        &self.detector
    }

    /// The model.
    pub fn model(&self) -> &dyn Autoencoder<F> {
        self.detector.model().as_ref()
    }

    /// The number of input columns.
    pub fn n_inputs(&self) -> usize {
        self.model().n_inputs()
    }

    /// The anomaly threshold on scores.
    pub fn threshold(&self) -> F {
        self.detector.threshold()
    }

    /// How the threshold was set.
    pub fn threshold_rule(&self) -> Threshold {
        self.detector.rule()
    }
}

#[cfg(feature = "serde")]
pub use file::PIPELINE_FORMAT;

/// The deployment file.
#[cfg(feature = "serde")]
mod file {
    use std::path::Path;

    use ndarray::Array2;
    use serde::{Deserialize, Serialize};
    use serde_json::value::RawValue;

    use super::Pipeline;
    use crate::anomaly::{AnomalyDetector, Scoring, Threshold};
    use crate::any_model::model_from_json_str;
    use crate::csv::CsvOptions;
    use crate::document::{self, Document};
    use crate::error::{Error, Result};
    use crate::float::Float;
    use crate::io;
    use crate::loss::Loss;
    use crate::scaler::ScalerParams;

    /// The `format` field of a deployment file, written by [`Pipeline::save_json`]:
    ///
    /// ```text
    /// {
    ///   "format": "autoencoder/pipeline",  PIPELINE_FORMAT
    ///   "version": 1,
    ///   "float": "f64",                    the pipeline's F
    ///   "csv": {..},                       how raw files are read: has_header, delimiter,
    ///                                      comment, columns, missing, missing_tokens
    ///   "column_names": ["a", ..],         the model's input columns, in order
    ///   "scaler": {"min_max": {"min": [..], "max": [..]}} or {"standard": ..} or null,
    ///   "loss": "Mse",                     the training loss
    ///   "threshold": 0.0123,               the anomaly threshold on scores
    ///   "threshold_rule": {"contamination": 0.05},  how it was set
    ///   "model": {..},                     the model's own file (vanilla or stacked)
    ///   "scoring": {"code_neighbours": {"neighbours": 5}},   only when not "reconstruction"
    ///   "reference_codes": {"rows": 900, "cols": 10, "values": [..]},  with code_neighbours:
    ///                                      the training codes, row after row
    ///   "checksum": "crc32:89abcdef"       CRC-32 of the text before `,"checksum"`
    /// }
    /// ```
    /// A file scored by reconstruction error has neither `scoring` nor `reference_codes` (and
    /// reads in releases before [`Scoring`](crate::Scoring) existed).
    /// A file whose checksum does not match its text is [`Error::ChecksumMismatch`].
    pub const PIPELINE_FORMAT: &str = "autoencoder/pipeline";

    /// A deployment file, version 1.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PipelineFileV1 {
        format: String,
        version: u64,
        float: String,
        csv: CsvOptions,
        column_names: Vec<String>,
        scaler: Option<ScalerParams>,
        loss: Loss,
        threshold: f64,
        threshold_rule: Threshold,
        model: Box<RawValue>,
        #[serde(default, skip_serializing_if = "is_reconstruction")]
        scoring: Scoring,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_codes: Option<Matrix>,
    }

    /// A matrix, row after row.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Matrix {
        rows: usize,
        cols: usize,
        values: Vec<f64>,
    }

    fn is_reconstruction(scoring: &Scoring) -> bool {
        *scoring == Scoring::Reconstruction
    }

    impl Document for PipelineFileV1 {
        const FORMAT: &'static str = PIPELINE_FORMAT;
        const VERSION: u64 = 1;
    }

    impl Matrix {
        /// The matrix in `F`, checked: `rows × cols` values, each of which fits `F` exactly.
        fn into_array<F: Float>(self) -> Result<Array2<F>> {
            if self.rows.checked_mul(self.cols) != Some(self.values.len()) {
                return Err(Error::InvalidPipeline(format!(
                    "the reference codes claim {} x {} values and hold {}",
                    self.rows,
                    self.cols,
                    self.values.len()
                )));
            }
            let values = self
                .values
                .iter()
                .map(|&v| {
                    let cast = F::cast(v);
                    if cast.as_f64().to_bits() == v.to_bits() {
                        Ok(cast)
                    } else {
                        Err(Error::InvalidPipeline(format!(
                            "the reference code value {v} does not fit the float type"
                        )))
                    }
                })
                .collect::<Result<Vec<F>>>()?;
            Array2::from_shape_vec((self.rows, self.cols), values)
                .map_err(|e| Error::InvalidPipeline(e.to_string()))
        }
    }

    impl<F: Float> Pipeline<F> {
        /// The pipeline as its versioned JSON document (see [`PIPELINE_FORMAT`]).
        pub fn to_json_string(&self) -> String {
            let model = RawValue::from_string(self.model().to_json_string())
                .expect("a model document is valid JSON");
            document::write_document(&PipelineFileV1 {
                format: PIPELINE_FORMAT.to_owned(),
                version: 1,
                float: io::float_name::<F>().to_owned(),
                csv: self.csv.clone(),
                column_names: self.column_names.clone(),
                scaler: self.scaler.as_ref().map(ScalerParams::of),
                loss: self.loss,
                threshold: self.threshold().as_f64(),
                threshold_rule: self.threshold_rule(),
                model,
                scoring: self.detector.scoring(),
                reference_codes: self.detector.reference_codes().map(|codes| Matrix {
                    rows: codes.nrows(),
                    cols: codes.ncols(),
                    values: codes.iter().map(|v| v.as_f64()).collect(),
                }),
            })
        }

        /// Reads a pipeline from its JSON document, checking everything (format, version, float
        /// type, the model's own checks, widths, the scaler's parameters, the threshold).
        ///
        /// # Errors
        /// [`Error::CorruptModel`], [`Error::UnsupportedVersion`], [`Error::FloatTypeMismatch`],
        /// [`Error::InvalidScaler`], [`Error::InvalidPipeline`], [`Error::NonFiniteScore`], and
        /// the errors of the model loaders.
        pub fn from_json_str(json: &str) -> Result<Self> {
            Self::from_file(document::read_document(json.as_bytes())?)
        }

        fn from_file(file: PipelineFileV1) -> Result<Self> {
            io::check_float::<F>(&file.float)?;
            let model = model_from_json_str::<F>(file.model.get())?;
            let scaler = file.scaler.map(ScalerParams::into_scaler).transpose()?;
            let threshold = F::cast(file.threshold);
            if F::cast(threshold.as_f64()).as_f64().to_bits() != file.threshold.to_bits() {
                return Err(Error::InvalidPipeline(format!(
                    "the threshold {} does not fit the float type",
                    file.threshold
                )));
            }
            let reference = match (file.scoring, file.reference_codes) {
                (Scoring::Reconstruction, None) => Array2::zeros((0, 0)),
                (Scoring::CodeNeighbours { .. }, Some(codes)) => codes.into_array::<F>()?,
                (scoring, _) => {
                    return Err(Error::InvalidPipeline(format!(
                        "reference codes must be present exactly when the scoring needs them \
                         ({scoring:?})"
                    )));
                }
            };
            let detector = AnomalyDetector::from_parts(
                model,
                threshold,
                file.threshold_rule,
                file.scoring,
                reference,
            )?;
            Pipeline::new(file.csv, file.column_names, scaler, file.loss, detector)
        }

        /// Saves the pipeline as its JSON document, atomically (old file or new, never a torn
        /// one).
        ///
        /// # Errors
        /// [`Error::Io`] when the file cannot be written.
        pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
            io::write_json_file(path.as_ref(), self.to_json_string())
        }

        /// Loads a pipeline saved by [`save_json`](Self::save_json).
        ///
        /// # Errors
        /// [`Error::Io`], [`Error::ModelTooLarge`], and as [`from_json_str`](Self::from_json_str).
        pub fn load_json(path: impl AsRef<Path>) -> Result<Self> {
            Self::from_file(document::load_document(path.as_ref())?)
        }
    }
}
