//! The command-line tool's contract, end to end: each command is a process of its own.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WISCONSIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/breast-cancer-wisconsin.csv"
);

/// `fit` of the Wisconsin file (features in columns 1 to 9, `?` missing, rows with a missing
/// value dropped) into `model`, then `extra`.
fn fit_wisconsin<'a>(model: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "fit",
        WISCONSIN,
        "-o",
        model,
        "--columns",
        "1-9",
        "--na",
        "?",
        "--missing",
        "drop",
    ];
    args.extend_from_slice(extra);
    args
}

fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autoencoder"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> Output {
    let out = tool(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("autoencoder-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

fn read_csv(path: &str) -> (String, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_owned();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// Wisconsin with a header: `id,f1,…,f9,class`, missing values as `?`.
fn wisconsin_with_header(dir: &Path) -> String {
    let file = path(dir, "wisconsin.csv");
    let body = std::fs::read_to_string(WISCONSIN).unwrap();
    let header = "id,f1,f2,f3,f4,f5,f6,f7,f8,f9,class\n";
    std::fs::write(&file, format!("{header}{body}")).unwrap();
    file
}

#[test]
fn scores_of_a_new_process_are_those_of_the_training_process() {
    let dir = folder("roundtrip");
    let data = wisconsin_with_header(&dir);
    let (model, train_scores, scores) = (
        path(&dir, "model.json"),
        path(&dir, "train-scores.csv"),
        path(&dir, "scores.csv"),
    );
    let fit = ok(&[
        "fit",
        &data,
        "-o",
        &model,
        "--header",
        "--columns",
        "1-9",
        "--na",
        "?",
        "--missing",
        "drop",
        "--code-size",
        "3",
        "--seed",
        "7",
        "--epochs",
        "40",
        "--scores",
        &train_scores,
    ]);
    let summary = String::from_utf8_lossy(&fit.stderr);
    assert!(summary.contains("PCA(3)"), "{summary}");
    ok(&["score", &model, &data, "-o", &scores]);
    let (a, b) = (
        std::fs::read(&train_scores).unwrap(),
        std::fs::read(&scores).unwrap(),
    );
    assert_eq!(a, b, "scores differ between the processes");
    let (header, rows) = read_csv(&scores);
    assert_eq!(header, "score,anomaly");
    assert_eq!(rows.len(), 683, "rows with missing values are dropped");
    assert!(
        rows.iter()
            .all(|r| r[0] >= 0.0 && (r[1] == 0.0 || r[1] == 1.0))
    );
    // Contamination 0.05 of the training rows are flagged (quantile: 34 or 35 of 683).
    let flagged = rows.iter().filter(|r| r[1] == 1.0).count();
    assert!((33..=35).contains(&flagged), "{flagged}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn encode_reconstruct_and_info_follow_the_contract() {
    let dir = folder("contract");
    let data = wisconsin_with_header(&dir);
    let model = path(&dir, "model.json");
    let names = "f1,f2,f3,f4,f5,f6,f7,f8,f9";
    let fit = ok(&[
        "fit",
        &data,
        "-o",
        &model,
        "--header",
        "--columns",
        names,
        "--na",
        "?",
        "--missing",
        "drop",
        "--epochs",
        "30",
        "--quiet",
    ]);
    // Without --code-size the tool picks one and says which.
    let said = String::from_utf8_lossy(&fit.stderr);
    let k: usize = said
        .split("code size ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("no code size in {said}"));
    assert!((1..9).contains(&k), "{k}");

    let codes = path(&dir, "codes.csv");
    ok(&["encode", &model, &data, "-o", &codes]);
    let (header, rows) = read_csv(&codes);
    let expected: Vec<String> = (0..k).map(|i| format!("code_{i}")).collect();
    assert_eq!(header, expected.join(","));
    assert_eq!(rows.len(), 683);
    // The default ReLU encoder's codes are >= 0.
    assert!(rows.iter().flatten().all(|&c| c >= 0.0 && c.is_finite()));

    let recon = path(&dir, "recon.csv");
    ok(&["reconstruct", &model, &data, "-o", &recon]);
    let (header, rows) = read_csv(&recon);
    assert_eq!(header, names);
    // In the original units (1 to 10; mean 3.1), not the standardised ones (mean 0).
    let mean = rows.iter().flatten().sum::<f64>() / (683.0 * 9.0);
    assert!(mean > 2.0 && mean < 6.0, "{mean}");

    let info = ok(&["info", &model]);
    let text = String::from_utf8_lossy(&info.stdout);
    for needle in [
        "vanilla",
        "9 inputs",
        "standard",
        "Contamination(0.05)",
        names,
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_stacked_model_with_a_fixed_threshold() {
    let dir = folder("stacked");
    let model = path(&dir, "model.json");
    ok(&fit_wisconsin(
        &model,
        &[
            "--hidden",
            "6",
            "--code-size",
            "2",
            "--threshold",
            "0.02",
            "--epochs",
            "20",
            "--scaling",
            "standard",
            "--activation",
            "tanh",
        ],
    ));
    let text = String::from_utf8_lossy(&ok(&["info", &model]).stdout).into_owned();
    assert!(
        text.contains("stacked") && text.contains("Fixed(0.02)"),
        "{text}"
    );
    let scores = path(&dir, "scores.csv");
    ok(&["score", &model, WISCONSIN, "-o", &scores]);
    let (_, rows) = read_csv(&scores);
    for r in &rows {
        assert_eq!(r[1] == 1.0, r[0] > 0.02);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_input_is_a_one_line_error_and_a_failure() {
    let dir = folder("bad");
    let model = path(&dir, "model.json");
    let bad = path(&dir, "bad.csv");
    std::fs::write(&bad, "1,2\n3,x\n").unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["fit", &bad, "-o", &model],
        vec!["fit", "/no/such/file.csv", "-o", &model],
        // Missing values without --missing or --na.
        vec!["fit", WISCONSIN, "-o", &model, "--columns", "1-9"],
        vec!["fit", WISCONSIN, "-o", &model, "--columns", "9-1"],
        fit_wisconsin(&model, &["--learning-rate=-1"]),
        fit_wisconsin(&model, &["--code-size", "0"]),
        fit_wisconsin(&model, &["--scoring", "neighbours", "--neighbours", "0"]),
        fit_wisconsin(&model, &["--neighbours", "3"]),
        fit_wisconsin(&model, &["--scoring", "isolation"]),
        vec!["score", &bad, WISCONSIN],
        // Argument errors are one line too.
        vec!["fit", WISCONSIN, "-o", &model, "--seed", "-1"],
        vec!["fit", WISCONSIN],
        vec!["frobnicate"],
        vec!["info", "/no/such/model.json"],
    ];
    for args in cases {
        let out = tool(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    assert!(!Path::new(&model).exists(), "nothing is saved on failure");

    // A model applied to a file of another layout.
    ok(&fit_wisconsin(&model, &["--epochs", "2"]));
    let narrow = path(&dir, "narrow.csv");
    std::fs::write(&narrow, "1,2,3\n4,5,6\n").unwrap();
    let out = tool(&["score", &model, &narrow]);
    assert!(!out.status.success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_values_in_new_files_get_the_training_means() {
    let dir = folder("mean");
    let (model, train_scores, scores) = (
        path(&dir, "model.json"),
        path(&dir, "train-scores.csv"),
        path(&dir, "scores.csv"),
    );
    ok(&[
        "fit",
        WISCONSIN,
        "-o",
        &model,
        "--columns",
        "1-9",
        "--na",
        "?",
        "--missing",
        "mean",
        "--epochs",
        "5",
        "--scores",
        &train_scores,
    ]);
    ok(&["score", &model, WISCONSIN, "-o", &scores]);
    assert_eq!(
        std::fs::read(&train_scores).unwrap(),
        std::fs::read(&scores).unwrap()
    );
    let (_, rows) = read_csv(&scores);
    assert_eq!(rows.len(), 699, "every row is kept");
    // One row with a missing value: its own file has no mean to offer, the training data has.
    let single = path(&dir, "single.csv");
    std::fs::write(&single, "1,5,1,1,1,2,?,3,1,1,2\n").unwrap();
    let filled = path(&dir, "filled.csv");
    let mean_of_column_6 = {
        let text = std::fs::read_to_string(WISCONSIN).unwrap();
        let values: Vec<f64> = text
            .lines()
            .filter_map(|l| l.split(',').nth(6).and_then(|v| v.parse().ok()))
            .collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    std::fs::write(&filled, format!("1,5,1,1,1,2,{mean_of_column_6},3,1,1,2\n")).unwrap();
    let (a, b) = (path(&dir, "a.csv"), path(&dir, "b.csv"));
    ok(&["score", &model, &single, "-o", &a]);
    ok(&["score", &model, &filled, "-o", &b]);
    let (_, a) = read_csv(&a);
    let (_, b) = read_csv(&b);
    // The mean is written with all its digits but summed in another order: equal to 1e-12.
    assert!(
        (a[0][0] - b[0][0]).abs() <= 1e-12 * b[0][0].abs(),
        "{a:?} {b:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// With no model option, `fit` chooses the model (`fit_auto`) and says which; the deployment
/// file then works as any other. A model option with `--model auto` is an error.
#[test]
fn fit_chooses_the_model_unless_told() {
    let dir = folder("auto");
    let model = path(&dir, "model.json");
    let out = ok(&fit_wisconsin(&model, &["--code-size", "2", "--quiet"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("auto chose "), "{stderr}");
    assert!(
        stderr.contains("linear "),
        "every candidate is listed: {stderr}"
    );
    let scores = path(&dir, "scores.csv");
    ok(&["score", &model, WISCONSIN, "-o", &scores]);
    let (header, rows) = read_csv(&scores);
    assert_eq!(header, "score,anomaly");
    assert!(rows.iter().all(|r| r[0].is_finite() && r[0] >= 0.0));

    let out = tool(&fit_wisconsin(
        &model,
        &["--model", "auto", "--epochs", "3"],
    ));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--epochs") && stderr.contains("--model manual"),
        "{stderr}"
    );
    let manual = ok(&fit_wisconsin(&model, &["--model", "manual", "--quiet"]));
    assert!(!String::from_utf8_lossy(&manual.stderr).contains("auto chose"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn code_neighbour_scoring_is_stored_and_used_by_score() {
    let dir = folder("neighbours");
    let (model, train_scores, scores) = (
        path(&dir, "model.json"),
        path(&dir, "train-scores.csv"),
        path(&dir, "scores.csv"),
    );
    let extra = [
        "--code-size",
        "3",
        "--epochs",
        "20",
        "--scoring",
        "neighbours",
        "--neighbours",
        "4",
        "--scores",
        &train_scores,
    ];
    ok(&fit_wisconsin(&model, &extra));
    let text = String::from_utf8_lossy(&ok(&["info", &model]).stdout).into_owned();
    assert!(text.contains("CodeNeighbours { neighbours: 4 }"), "{text}");
    ok(&["score", &model, WISCONSIN, "-o", &scores]);
    assert_eq!(
        std::fs::read(&train_scores).unwrap(),
        std::fs::read(&scores).unwrap(),
        "scores differ between the processes"
    );
    // Wisconsin repeats many rows exactly: a row with three copies among the training rows
    // is at distance 0 from its 4 nearest codes (itself included), which no reconstruction
    // error of this model is.
    let (_, rows) = read_csv(&scores);
    assert!(rows.iter().any(|r| r[0] == 0.0));
    assert!(rows.iter().all(|r| r[0] >= 0.0 && r[0].is_finite()));
    std::fs::remove_dir_all(dir).unwrap();
}
