//! The deployment file and the scalers' files: exact round trips and checked loads.
#![cfg(feature = "serde")]

use autoencoder::{
    AnomalyDetector, Autoencoder, CsvOptions, Error, Loss, MinMaxScaler, Missing, Pipeline, Scaler,
    Scoring, StandardScaler, Threshold, TrainConfig, new_stacked, new_vanilla,
};
use ndarray::{Array2, array};

use crate::serde_common;

/// A named model and scaler to put in a pipeline.
type Case = (&'static str, Box<dyn Autoencoder<f64>>, Option<Scaler<f64>>);
/// A named change to a deployment document.
type Edit = (&'static str, Box<dyn Fn(&mut serde_json::Value)>);

const CSV: &str = "id,a,b,c,d\n\
                   1,2.0,10,0.5,7\n\
                   2,4.0,?,0.25,6\n\
                   3,6.0,30,0.75,5\n\
                   4,8.0,40,1.0,4\n\
                   5,1.0,15,0.5,7\n\
                   6,3.5,22,0.6,5\n\
                   7,7.0,35,0.9,4\n\
                   8,5.0,28,0.55,6\n";

fn options(missing: Missing) -> CsvOptions {
    CsvOptions::new()
        .has_header(true)
        .columns(["a", "b", "c", "d"])
        .missing_tokens(["?"])
        .missing(missing)
}

fn trained_pipeline<F: autoencoder::Float>(
    model: Box<dyn Autoencoder<F>>,
    scaler: Option<Scaler<F>>,
) -> (Pipeline<F>, Array2<F>) {
    let options = options(Missing::Drop);
    let table = options.read::<F, _>(CSV.as_bytes()).unwrap();
    let x = match &scaler {
        Some(s) => s.transform(&table.data).unwrap(),
        None => table.data.clone(),
    };
    let detector = AnomalyDetector::train(
        model,
        &x,
        &TrainConfig::new().epochs(20),
        Threshold::Contamination(0.2),
    )
    .unwrap();
    let pipeline = Pipeline::new(options, table.names, scaler, Loss::Mse, detector).unwrap();
    (pipeline, table.data)
}

fn file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "autoencoder-pipeline-{name}-{}.json",
        std::process::id()
    ))
}

fn assert_same_outputs<F: autoencoder::Float>(a: &Pipeline<F>, b: &Pipeline<F>, raw: &Array2<F>) {
    let bits = |v: &ndarray::Array1<F>| v.iter().map(|s| s.as_f64().to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.scores(raw).unwrap()), bits(&b.scores(raw).unwrap()));
    assert_eq!(a.encode(raw).unwrap(), b.encode(raw).unwrap());
    assert_eq!(a.reconstruct(raw).unwrap(), b.reconstruct(raw).unwrap());
    assert_eq!(a.predict(raw).unwrap(), b.predict(raw).unwrap());
    assert_eq!(
        a.threshold().as_f64().to_bits(),
        b.threshold().as_f64().to_bits()
    );
    assert_eq!(a.threshold_rule(), b.threshold_rule());
    assert_eq!(a.column_names(), b.column_names());
    assert_eq!(a.csv_options(), b.csv_options());
}

#[test]
fn every_model_kind_and_scaler_round_trips_exactly() {
    let minmax = |x: &Array2<f64>| Scaler::from(MinMaxScaler::fit(x).unwrap());
    let raw = options(Missing::Drop)
        .read::<f64, _>(CSV.as_bytes())
        .unwrap()
        .data;
    let cases: Vec<Case> = vec![
        (
            "vanilla",
            new_vanilla("sigmoid", "sigmoid", 4, 2, 1).unwrap(),
            Some(minmax(&raw)),
        ),
        (
            "untransformed",
            new_vanilla("tanh", "identity", 4, 2, 1).unwrap(),
            None,
        ),
        (
            "stacked",
            new_stacked("relu", "identity", &[4, 3, 2], 1).unwrap(),
            Some(Scaler::from(StandardScaler::fit(&raw).unwrap())),
        ),
    ];
    for (name, model, scaler) in cases {
        let (pipeline, raw) = trained_pipeline(model, scaler);
        let path = file(name);
        pipeline.save_json(&path).unwrap();
        let loaded = Pipeline::<f64>::load_json(&path).unwrap();
        assert_same_outputs(&pipeline, &loaded, &raw);
        assert_eq!(loaded.model().kind(), pipeline.model().kind());
        assert_eq!(
            loaded.model().activation_names(),
            pipeline.model().activation_names()
        );
        // Saving the loaded pipeline writes the same file.
        assert_eq!(loaded.to_json_string(), pipeline.to_json_string());
        std::fs::remove_file(path).unwrap();
    }
}

#[test]
fn an_f32_pipeline_round_trips_and_is_not_read_as_f64() {
    let raw = options(Missing::Drop)
        .read::<f32, _>(CSV.as_bytes())
        .unwrap()
        .data;
    let scaler = Scaler::from(MinMaxScaler::fit(&raw).unwrap());
    let (pipeline, raw) = trained_pipeline::<f32>(
        new_vanilla("sigmoid", "identity", 4, 2, 3).unwrap(),
        Some(scaler),
    );
    let json = pipeline.to_json_string();
    let loaded = Pipeline::<f32>::from_json_str(&json).unwrap();
    assert_same_outputs(&pipeline, &loaded, &raw);
    assert!(matches!(
        Pipeline::<f64>::from_json_str(&json),
        Err(Error::FloatTypeMismatch { .. })
    ));
}

#[test]
fn raw_files_are_read_with_the_stored_options() {
    let (pipeline, raw) =
        trained_pipeline::<f64>(new_vanilla("sigmoid", "sigmoid", 4, 2, 1).unwrap(), None);
    let again = pipeline.read(CSV.as_bytes()).unwrap();
    assert_eq!(again.data, raw);
    assert_eq!(again.names, ["a", "b", "c", "d"]);
    // Columns found by name, wherever they stand in the new file.
    let shuffled = "d,c,b,a,id\n7,0.5,10,2.0,1\n";
    let row = pipeline.read(shuffled.as_bytes()).unwrap();
    assert_eq!(row.data, array![[2.0, 10.0, 0.5, 7.0]]);
}

#[test]
fn a_file_that_does_not_fit_together_is_refused() {
    let (pipeline, _) =
        trained_pipeline::<f64>(new_vanilla("sigmoid", "sigmoid", 4, 2, 1).unwrap(), None);
    let json = pipeline.to_json_string();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let edits: Vec<Edit> = vec![
        (
            "a name too many",
            Box::new(|v| v["column_names"].as_array_mut().unwrap().push("e".into())),
        ),
        (
            "a scaler of 3 columns",
            Box::new(|v| {
                v["scaler"] =
                    serde_json::json!({"min_max": {"min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 1.0]}})
            }),
        ),
        (
            "min above max",
            Box::new(
                |v| v["scaler"] = serde_json::json!({"min_max": {"min": [2.0, 0.0, 0.0, 0.0], "max": [1.0, 1.0, 1.0, 1.0]}}),
            ),
        ),
        (
            "a zero standard deviation",
            Box::new(
                |v| v["scaler"] = serde_json::json!({"standard": {"mean": [0.0, 0.0, 0.0, 0.0], "std": [1.0, 0.0, 1.0, 1.0]}}),
            ),
        ),
        (
            "a threshold rule out of range",
            Box::new(|v| v["threshold_rule"] = serde_json::json!({"contamination": 2.0})),
        ),
        ("an unknown field", Box::new(|v| v["extra"] = 1.into())),
        (
            "another format",
            Box::new(|v| v["format"] = "autoencoder/vanilla".into()),
        ),
        ("a later version", Box::new(|v| v["version"] = 99.into())),
        (
            "an unknown activation",
            Box::new(|v| v["model"]["activation"] = "softsign".into()),
        ),
    ];
    // Re-sealed, so that the checks behind the checksum are reached.
    let unchanged = serde_common::seal(&value);
    assert!(Pipeline::<f64>::from_json_str(&unchanged).is_ok());
    for (what, edit) in edits {
        let mut changed = value.clone();
        edit(&mut changed);
        let result = Pipeline::<f64>::from_json_str(&serde_common::seal(&changed));
        assert!(result.is_err(), "{what} was accepted");
    }
    // A huge but finite threshold is a valid (if useless) setting in f64, not in f32.
    value["threshold"] = serde_json::json!(1e300);
    assert!(Pipeline::<f64>::from_json_str(&serde_common::seal(&value)).is_ok());
}

#[test]
fn scalers_save_and_load_on_their_own() {
    let x = array![[1.0f64, -2.0, 5.0], [3.0, 2.0, 5.0], [0.1, 0.3, 5.0]];
    let minmax = MinMaxScaler::fit(&x).unwrap();
    let standard = StandardScaler::fit(&x).unwrap();
    let (p1, p2) = (file("minmax"), file("standard"));
    minmax.save_json(&p1).unwrap();
    standard.save_json(&p2).unwrap();
    assert_eq!(MinMaxScaler::<f64>::load_json(&p1).unwrap(), minmax);
    assert_eq!(StandardScaler::<f64>::load_json(&p2).unwrap(), standard);
    assert_eq!(
        Scaler::<f64>::load_json(&p2).unwrap(),
        Scaler::from(standard.clone())
    );
    // The other kind, or the other float type, is refused.
    assert!(matches!(
        StandardScaler::<f64>::load_json(&p1),
        Err(Error::InvalidScaler { .. })
    ));
    assert!(matches!(
        MinMaxScaler::<f32>::load_json(&p1),
        Err(Error::FloatTypeMismatch { .. })
    ));
    // f32 values are kept exactly.
    let x32 = x.mapv(|v| v as f32 / 3.0);
    let s32 = StandardScaler::fit(&x32).unwrap();
    assert_eq!(
        StandardScaler::<f32>::from_json_str(&s32.to_json_string()).unwrap(),
        s32
    );
    std::fs::remove_file(p1).unwrap();
    std::fs::remove_file(p2).unwrap();
}

#[test]
fn a_damaged_deployment_file_is_an_error() {
    let (pipeline, raw) =
        trained_pipeline::<f64>(new_vanilla("sigmoid", "sigmoid", 4, 2, 1).unwrap(), None);
    let json = pipeline.to_json_string();
    let digits: Vec<usize> = json
        .bytes()
        .enumerate()
        .filter(|(_, b)| b.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    // Every digit changed to another one: the values, the threshold, the checksum itself.
    for &i in &digits {
        let mut bytes = json.clone().into_bytes();
        bytes[i] = if bytes[i] == b'9' { b'0' } else { bytes[i] + 1 };
        let damaged = String::from_utf8(bytes).unwrap();
        match Pipeline::<f64>::from_json_str(&damaged) {
            Err(_) => {}
            // Only a change that leaves the meaning intact may load (none is expected).
            Ok(loaded) => assert_same_outputs(&pipeline, &loaded, &raw),
        }
    }
    let edited = json.replacen("\"threshold\":", "\"threshold\":1", 1);
    assert!(matches!(
        Pipeline::<f64>::from_json_str(&edited),
        Err(Error::ChecksumMismatch { .. })
    ));
}

/// A pipeline scored by distance in code space, its file, and the same file edited by `edit`.
fn neighbour_pipeline() -> (Pipeline<f64>, Array2<f64>) {
    let options = options(Missing::Drop);
    let table = options.read::<f64, _>(CSV.as_bytes()).unwrap();
    let scaler = Scaler::from(MinMaxScaler::fit(&table.data).unwrap());
    let x = scaler.transform(&table.data).unwrap();
    let detector = AnomalyDetector::train_with_scoring(
        new_vanilla("tanh", "identity", 4, 2, 1).unwrap(),
        &x,
        &TrainConfig::new().epochs(20),
        Threshold::Contamination(0.2),
        Scoring::CodeNeighbours { neighbours: 2 },
    )
    .unwrap();
    let pipeline = Pipeline::new(options, table.names, Some(scaler), Loss::Mse, detector).unwrap();
    (pipeline, table.data)
}

#[test]
fn code_neighbour_scoring_round_trips_exactly() {
    let (pipeline, raw) = neighbour_pipeline();
    let loaded = Pipeline::<f64>::from_json_str(&pipeline.to_json_string()).unwrap();
    assert_same_outputs(&pipeline, &loaded, &raw);
    assert_eq!(
        loaded.detector().scoring(),
        Scoring::CodeNeighbours { neighbours: 2 }
    );
    assert_eq!(
        loaded.detector().reference_codes(),
        pipeline.detector().reference_codes()
    );
    assert_eq!(loaded.to_json_string(), pipeline.to_json_string());
    // The scores are code distances, not reconstruction errors.
    let x = pipeline.transform(&raw).unwrap();
    assert_ne!(
        pipeline.scores(&raw).unwrap(),
        pipeline.model().reconstruction_errors(x.view()).unwrap()
    );
    // A file scored by reconstruction error carries neither field.
    let (plain, _) =
        trained_pipeline::<f64>(new_vanilla("sigmoid", "sigmoid", 4, 2, 1).unwrap(), None);
    let json = plain.to_json_string();
    assert!(!json.contains("scoring") && !json.contains("reference_codes"));
}

#[test]
fn reference_codes_that_do_not_fit_are_refused() {
    let (pipeline, _) = neighbour_pipeline();
    let value: serde_json::Value = serde_json::from_str(&pipeline.to_json_string()).unwrap();
    assert!(Pipeline::<f64>::from_json_str(&serde_common::seal(&value)).is_ok());
    let edits: Vec<Edit> = vec![
        (
            "no reference codes",
            Box::new(|v| {
                v.as_object_mut()
                    .unwrap()
                    .remove("reference_codes")
                    .map(drop)
                    .unwrap()
            }),
        ),
        (
            "reference codes without the scoring",
            Box::new(|v| {
                v.as_object_mut()
                    .unwrap()
                    .remove("scoring")
                    .map(drop)
                    .unwrap()
            }),
        ),
        (
            "more rows claimed than held",
            Box::new(|v| v["reference_codes"]["rows"] = 1_000_000_000usize.into()),
        ),
        (
            "rows times columns overflow",
            Box::new(|v| v["reference_codes"]["rows"] = usize::MAX.into()),
        ),
        (
            "a value missing",
            Box::new(|v| {
                v["reference_codes"]["values"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "codes of another width",
            Box::new(|v| {
                let rows = v["reference_codes"]["rows"].as_u64().unwrap();
                v["reference_codes"]["rows"] = (rows * 2).into();
                v["reference_codes"]["cols"] = 1.into();
            }),
        ),
        (
            "more neighbours than codes",
            Box::new(|v| v["scoring"]["code_neighbours"]["neighbours"] = 100.into()),
        ),
        (
            "no neighbours",
            Box::new(|v| v["scoring"]["code_neighbours"]["neighbours"] = 0.into()),
        ),
        (
            "a code that is not a number",
            Box::new(|v| v["reference_codes"]["values"][0] = "x".into()),
        ),
        (
            "an unknown scoring",
            Box::new(|v| v["scoring"] = "isolation".into()),
        ),
    ];
    for (what, edit) in edits {
        let mut changed = value.clone();
        edit(&mut changed);
        let result = Pipeline::<f64>::from_json_str(&serde_common::seal(&changed));
        assert!(result.is_err(), "{what} was accepted");
    }
    // An f64 file is not read as f32.
    assert!(matches!(
        Pipeline::<f32>::from_json_str(&pipeline.to_json_string()),
        Err(Error::FloatTypeMismatch { .. })
    ));
}
