"""Pickle round trips (through the crate's JSON document) and the crate's own files."""

import csv
import os
import pickle
import shutil
import subprocess

import numpy as np
import pytest

from autoencoder import Autoencoder, AutoencoderDetector, NativeModel, load_pipeline

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "breast-cancer-wisconsin.csv")

ESTIMATORS = [
    dict(kind="tied"),
    dict(kind="untied", activation="tanh", output_activation="sigmoid"),
    dict(kind="stacked", hidden_layer_sizes=(6,)),
    dict(kind="stacked_untied", hidden_layer_sizes=(6, 4), activation="sigmoid"),
]


@pytest.mark.parametrize("params", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pickle_round_trip_is_bit_identical(params, dtype, unit_data):
    x = unit_data.astype(dtype)
    est = Autoencoder(3, epochs=15, random_state=4, **params).fit(x)
    blob = pickle.dumps(est)
    assert b"autoencoder/" in blob  # the crate's document, not a memory dump
    back = pickle.loads(blob)
    assert back.model_.to_json() == est.model_.to_json()
    for method in ("transform", "reconstruct", "score_samples"):
        a, b = getattr(est, method)(x), getattr(back, method)(x)
        assert a.dtype == b.dtype and np.array_equal(a, b)
        assert a.tobytes() == b.tobytes()
    assert back.get_params() == est.get_params()
    # And a second generation: the document is a fixed point.
    assert pickle.loads(pickle.dumps(back)).model_.to_json() == est.model_.to_json()


def test_detector_pickles_bit_identically(wisconsin):
    X, _ = wisconsin
    det = AutoencoderDetector(epochs=5, random_state=0).fit(X)
    back = pickle.loads(pickle.dumps(det))
    assert back.pipeline_.to_json() == det.pipeline_.to_json()
    assert np.array_equal(back.decision_function(X), det.decision_function(X))
    assert back.threshold_ == det.threshold_ and np.array_equal(back.labels_, det.labels_)


def test_save_and_load_model_file(tmp_path, unit_data):
    for params in ESTIMATORS:
        est = Autoencoder(3, epochs=5, random_state=1, **params).fit(unit_data)
        path = tmp_path / "model.json"
        est.save(path)
        back = Autoencoder.load(path)
        assert np.array_equal(back.transform(unit_data), est.transform(unit_data))
        assert back.n_components == 3 and back.n_features_in_ == 9 and back.kind == est.kind
        assert tuple(back.hidden_layer_sizes) == tuple(est.hidden_layer_sizes)
        assert back.activation == est.activation and back.output_activation == est.output_activation
        assert path.read_text() == est.model_.to_json()
        assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary left


def test_damaged_files_are_refused(tmp_path, unit_data):
    est = Autoencoder(3, epochs=2, random_state=1).fit(unit_data)
    text = est.model_.to_json()
    damaged = text.replace('"b1":[', '"b1":[1.5,', 1) if '"b1":[' in text else text[:-20]
    (tmp_path / "bad.json").write_text(damaged)
    with pytest.raises(ValueError):
        Autoencoder.load(tmp_path / "bad.json")


def _fixture(name):
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(path):
        pytest.skip(f"fixture {name} missing")
    return path


def _read_rows(path):
    with open(path) as f:
        return np.array([[float(v) for v in row] for row in csv.reader(f)])


@pytest.mark.parametrize("name", ["rust_tied_f64", "rust_untied_f32", "rust_stacked_f64"])
def test_model_files_written_by_rust_load(name):
    """Files written by the crate's save_json (python/examples/write_fixtures.rs) give the
    codes Rust computed, bit for bit."""
    est = Autoencoder.load(_fixture(f"{name}.json"))
    x = _read_rows(_fixture("rust_inputs.csv")).astype(est.model_.dtype)
    expected = _read_rows(_fixture(f"{name}.codes.csv")).astype(est.model_.dtype)
    assert np.array_equal(est.transform(x), expected)


def test_pipeline_written_by_the_cli_scores_as_the_cli():
    """`autoencoder fit` wrote the file and `autoencoder score` the scores (see fixtures/README)."""
    pipeline = load_pipeline(_fixture("cli_wisconsin.json"))
    raw = pipeline.read_csv(DATA)
    with open(_fixture("cli_wisconsin.scores.csv")) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["score", "anomaly"]
    scores = np.array([float(r[0]) for r in rows[1:]])
    flags = np.array([int(r[1]) for r in rows[1:]])
    assert np.array_equal(pipeline.scores(raw), scores)
    assert np.array_equal(pipeline.predict(raw), flags)
    det = AutoencoderDetector.load(_fixture("cli_wisconsin.json"), X=raw)
    assert np.array_equal(det.decision_function(raw), scores)
    assert np.array_equal(det.predict(raw), flags)
    assert pickle.loads(pickle.dumps(pipeline)).native.to_json() == pipeline.native.to_json()


def test_detector_file_scored_by_the_cli():
    """A detector saved from Python (fixtures/python_detector.json) was scored by
    `autoencoder score`; Python gives the same scores from the same file."""
    det = AutoencoderDetector.load(_fixture("python_detector.json"))
    raw = _read_rows(_fixture("python_detector.inputs.csv"))
    with open(_fixture("python_detector.cli_scores.csv")) as f:
        rows = list(csv.reader(f))[1:]
    assert np.array_equal(det.decision_function(raw), np.array([float(r[0]) for r in rows]))
    assert np.array_equal(det.predict(raw), np.array([int(r[1]) for r in rows]))


def test_python_detector_file_with_the_cli_now(tmp_path, wisconsin):
    """With the CLI at hand (AUTOENCODER_CLI or on PATH): Python saves, the CLI scores."""
    cli = os.environ.get("AUTOENCODER_CLI") or shutil.which("autoencoder")
    if not cli:
        pytest.skip("the autoencoder CLI is not available (set AUTOENCODER_CLI)")
    X, _ = wisconsin
    det = AutoencoderDetector(epochs=5, random_state=0).fit(X)
    det.save(tmp_path / "det.json")
    np.savetxt(tmp_path / "x.csv", X[:50], delimiter=",", fmt="%.17g")
    out = tmp_path / "scores.csv"
    subprocess.run([cli, "score", str(tmp_path / "det.json"), str(tmp_path / "x.csv"), "-o", str(out)], check=True)
    rows = list(csv.reader(open(out)))[1:]
    assert np.array_equal(det.decision_function(X[:50]), np.array([float(r[0]) for r in rows]))
