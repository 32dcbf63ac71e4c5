"""PyOD's detector interface."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from autoencoder import AutoencoderDetector


def test_pyod_conventions(wisconsin):
    X, y = wisconsin
    det = AutoencoderDetector(contamination=0.1, epochs=30, random_state=0)
    assert det.fit(X) is det
    scores = det.decision_scores_
    assert scores.shape == (569,) and scores.dtype == np.float64
    assert det.threshold_ == np.percentile(scores, 90)
    assert np.array_equal(det.labels_, (scores > det.threshold_).astype(int))
    assert abs(det.labels_.mean() - 0.1) < 0.01
    np.testing.assert_array_equal(det.decision_function(X), scores)
    assert np.array_equal(det.predict(X), det.labels_)
    proba = det.predict_proba(X)
    assert proba.shape == (569, 2) and np.allclose(proba.sum(1), 1)
    assert proba.min() >= 0 and proba.max() <= 1
    unify = det.predict_proba(X, method="unify")
    assert unify.shape == (569, 2)
    labels, confidence = det.predict(X, return_confidence=True)
    assert confidence.shape == (569,) and ((0 <= confidence) & (confidence <= 1)).all()
    with pytest.raises(ValueError):
        det.predict_proba(X, method="cubic")
    assert roc_auc_score(y, det.decision_function(X)) > 0.6  # PyOD's AutoEncoder: about 0.67


def test_contamination_checked(wisconsin):
    X, _ = wisconsin
    for bad in (0.0, 0.6, -1, "a"):
        with pytest.raises(ValueError, match="contamination"):
            AutoencoderDetector(contamination=bad).fit(X)


def test_unfitted_and_bad_input(wisconsin):
    from sklearn.exceptions import NotFittedError

    X, _ = wisconsin
    det = AutoencoderDetector(epochs=2, random_state=0)
    with pytest.raises(NotFittedError):
        det.predict(X)
    det.fit(X)
    with pytest.raises(ValueError):
        det.decision_function(X[:, :5])
    bad = X.copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError):
        det.decision_function(bad)


def test_runs_unchanged_in_pyod_style_code():
    """The loop of PyOD's own examples and benchmarks, with our detector in the model dict."""
    pyod = pytest.importorskip("pyod")
    from pyod.models.base import BaseDetector
    from pyod.models.iforest import IForest
    from pyod.utils.data import generate_data
    from pyod.utils.utility import precision_n_scores, standardizer

    X_train, X_test, y_train, y_test = generate_data(
        n_train=400, n_test=200, n_features=9, contamination=0.1, random_state=42
    )
    X_train_norm, X_test_norm = standardizer(X_train, X_test)
    models = {
        "AutoencoderDetector": AutoencoderDetector(contamination=0.1, epochs=50, random_state=0),
        "IForest": IForest(contamination=0.1, random_state=0),
    }
    for name, clf in models.items():
        assert isinstance(clf, BaseDetector)
        clf.fit(X_train_norm)
        y_train_pred = clf.labels_
        y_train_scores = clf.decision_scores_
        y_test_pred = clf.predict(X_test_norm)
        y_test_scores = clf.decision_function(X_test_norm)
        y_test_proba = clf.predict_proba(X_test_norm)
        assert y_train_pred.shape == y_train.shape and set(np.unique(y_test_pred)) <= {0, 1}
        assert y_train_scores.shape == y_train.shape and y_test_proba.shape == (200, 2)
        auc = roc_auc_score(y_test, y_test_scores)
        assert auc > 0.9, (name, auc)
        assert precision_n_scores(y_test, y_test_scores) > 0.5


def test_matches_pyod_basedetector_arithmetic(wisconsin):
    """threshold_, labels_ and predict_proba agree with PyOD's BaseDetector code on our scores."""
    pytest.importorskip("pyod")
    from pyod.models.base import BaseDetector

    X, _ = wisconsin

    class Reference(BaseDetector):
        def __init__(self, scores_of, contamination=0.1):
            super().__init__(contamination=contamination)
            self.scores_of = scores_of

        def fit(self, X, y=None):
            self._set_n_classes(y)
            self.decision_scores_ = self.scores_of(X)
            self._process_decision_scores()
            return self

        def decision_function(self, X):
            return self.scores_of(X)

    det = AutoencoderDetector(contamination=0.07, epochs=10, random_state=3).fit(X)
    ref = Reference(det.decision_function, contamination=0.07).fit(X)
    assert det.threshold_ == ref.threshold_
    assert np.array_equal(det.labels_, ref.labels_)
    for method in ("linear", "unify"):
        np.testing.assert_allclose(det.predict_proba(X[:50], method=method), ref.predict_proba(X[:50], method=method))
    np.testing.assert_allclose(det.predict_confidence(X[:50]), ref.predict_confidence(X[:50]))


@pytest.mark.parametrize("kind", ["tied", "untied", "stacked"])
def test_kinds_and_float32(kind, wisconsin):
    X, y = wisconsin
    det = AutoencoderDetector(kind=kind, hidden_layer_sizes=(12,) if kind == "stacked" else (), epochs=20, random_state=0)
    det.fit(X.astype(np.float32))
    assert det.pipeline_.dtype == "float32"
    assert roc_auc_score(y, det.decision_function(X)) > 0.6


def test_save_writes_a_deployment_file(tmp_path, wisconsin):
    X, _ = wisconsin
    det = AutoencoderDetector(epochs=5, random_state=0).fit(X)
    det.save(tmp_path / "det.json")
    back = AutoencoderDetector.load(tmp_path / "det.json", X=X)
    assert np.array_equal(back.decision_function(X), det.decision_function(X))
    assert back.threshold_ == det.threshold_ and np.array_equal(back.labels_, det.labels_)
