"""AutoencoderDetector(scoring="code_neighbours"): scores, leave-one-out training scores, files."""

import json
import math
import pickle

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from autoencoder import AutoencoderDetector, NativePipeline, load_pipeline


def _plane(rng, n, centre, basis):
    """n rows around centre in a plane of 9-D space (basis: 2 x 9), with a little noise off it."""
    z = np.asarray(centre) + 0.5 * rng.standard_normal((n, 2))
    return z @ basis + 0.05 * rng.standard_normal((n, 9))


@pytest.fixture
def clusters():
    """Normal rows: two clusters; anomalies: a third cluster in the same plane, which a model of
    the plane reconstructs as well as the normal rows."""
    rng = np.random.RandomState(0)
    basis = rng.standard_normal((2, 9))
    train = np.vstack([_plane(rng, 150, (-3, 0), basis), _plane(rng, 150, (3, 0), basis)])
    normal = np.vstack([_plane(rng, 50, (-3, 0), basis), _plane(rng, 50, (3, 0), basis)])
    anomalies = _plane(rng, 50, (0, 3), basis)
    return train, normal, anomalies


def _auc(det, normal, anomalies):
    labels = np.r_[np.zeros(len(normal)), np.ones(len(anomalies))]
    return roc_auc_score(labels, np.r_[det.decision_function(normal), det.decision_function(anomalies)])


def _detector(**params):
    return AutoencoderDetector(
        **{"n_components": 2, "kind": "auto", "time_budget": math.inf, "random_state": 0, **params}
    )


def test_code_neighbours_find_an_unseen_cluster(clusters):
    train, normal, anomalies = clusters
    by_codes = _detector(scoring="code_neighbours").fit(train)
    by_error = _detector().fit(train)
    assert _auc(by_codes, normal, anomalies) > 0.99
    # The unseen cluster is reconstructed about as well as the normal rows.
    assert _auc(by_error, normal, anomalies) < 0.75
    assert by_codes.pipeline_.scoring == "code_neighbours" and by_codes.pipeline_.neighbours == 5
    assert by_error.pipeline_.scoring == "reconstruction" and by_error.pipeline_.neighbours is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_scores_leave_each_row_out(clusters, dtype):
    train, _, _ = clusters
    x = train.astype(dtype)
    det = _detector(scoring="code_neighbours", n_neighbors=3, preprocessing=False).fit(x)
    scores = det.decision_scores_
    assert scores.shape == (300,) and scores.dtype == np.float64 and (scores > 0).all()
    # Counting itself (at distance 0) lowers every training row's score.
    assert (det.decision_function(x) < scores).all()
    # Each one is the row's score against the codes of every other training row.
    for i in (0, 17, 299):
        others = NativePipeline.fit_code_neighbours(det.model_, np.delete(x, i, axis=0), 0.1, 3)
        assert others.scores(x[i : i + 1])[0] == scores[i].astype(dtype)
    # The crate set the threshold from these scores (PyOD's percentile, to rounding).
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert det.threshold_ == pytest.approx(np.percentile(scores, 90), rel=rtol)
    assert np.array_equal(det.labels_, (scores > det.threshold_).astype(int))
    assert abs(det.labels_.mean() - 0.1) < 0.01
    assert det.pipeline_.dtype == np.dtype(dtype).name


def test_standardised_training_scores_match_the_threshold(clusters):
    train, _, _ = clusters
    det = _detector(scoring="code_neighbours", contamination=0.05).fit(train)
    assert det.threshold_ == pytest.approx(np.percentile(det.decision_scores_, 95), rel=1e-12)
    assert det.pipeline_.has_scaler


def test_more_rows_than_the_crate_keeps():
    """Above 4096 training rows the crate keeps 4096 evenly spaced codes: only those rows
    leave themselves out."""
    rng = np.random.RandomState(1)
    x = rng.standard_normal((5000, 4))
    # PCA's solution (no time to train others): distinct codes, so a row's own one counts.
    det = AutoencoderDetector(scoring="code_neighbours", kind="auto", time_budget=0, random_state=0).fit(x)
    assert det.pipeline_.reference_codes.shape == (4096, 1)
    left_out = det.decision_scores_ != det.decision_function(x)
    assert left_out.sum() == 4096
    assert det.threshold_ == pytest.approx(np.percentile(det.decision_scores_, 90), rel=1e-12)


def test_save_and_load_keep_the_reference_codes(tmp_path, clusters):
    train, normal, anomalies = clusters
    det = _detector(scoring="code_neighbours", n_neighbors=4).fit(train)
    det.save(tmp_path / "det.json")
    document = json.loads((tmp_path / "det.json").read_text())
    assert document["scoring"] == {"code_neighbours": {"neighbours": 4}}
    assert document["reference_codes"]["rows"] == 300
    back = AutoencoderDetector.load(tmp_path / "det.json", X=train)
    assert back.scoring == "code_neighbours" and back.n_neighbors == 4
    assert np.array_equal(back.pipeline_.reference_codes, det.pipeline_.reference_codes)
    for x in (train, normal, anomalies):
        assert np.array_equal(back.decision_function(x), det.decision_function(x))
    assert back.threshold_ == det.threshold_
    assert np.array_equal(back.decision_scores_, det.decision_scores_)
    assert np.array_equal(back.labels_, det.labels_)
    pipeline = load_pipeline(tmp_path / "det.json")
    assert np.array_equal(pipeline.scores(anomalies), det.decision_function(anomalies))
    twin = pickle.loads(pickle.dumps(det))
    assert twin.pipeline_.to_json() == det.pipeline_.to_json()
    assert np.array_equal(twin.decision_function(anomalies), det.decision_function(anomalies))


def test_training_scores_need_the_training_rows(clusters):
    train, normal, _ = clusters
    det = _detector(scoring="code_neighbours").fit(train)
    for other in (train[:-1], train[::-1], np.vstack([normal] * 3)):
        with pytest.raises(ValueError, match="not the ones the detector was fitted on"):
            det.set_training_scores(other)


def test_bad_settings(clusters):
    train, _, _ = clusters
    for params in (dict(scoring="distance"), dict(n_neighbors=0), dict(n_neighbors=2.5), dict(n_neighbors=300)):
        with pytest.raises(ValueError):
            _detector(**{"scoring": "code_neighbours", "time_budget": 0, **params}).fit(train)
    # Reconstruction scoring does not use n_neighbors.
    _detector(n_neighbors=0, time_budget=0).fit(train)
