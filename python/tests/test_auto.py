"""The automatic model choice: the native fit_auto and Autoencoder(kind="auto")."""

import math
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from autoencoder import Autoencoder, AutoencoderDetector
from autoencoder._native import fit_auto

CANDIDATES = ["linear", "deep", "untied", "tied"]  # the crate's order


@pytest.fixture
def curve():
    """300 rows on a curve in 6 dimensions: one code unit describes them, one principal axis
    does not (the crate's fit_auto example)."""
    t = np.arange(300) / 150.0 - 1.0
    return np.sin(np.outer(t, np.arange(1, 7)))


def _chosen(report):
    return next(c for c in report["candidates"] if c["candidate"] == report["chosen"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_native_fit_auto_is_never_worse_than_linear(curve, dtype):
    x = curve.astype(dtype)
    model, report = fit_auto(x, 1, time_budget=math.inf, seed=3)
    assert model.dtype == np.dtype(dtype).name and model.n_inputs == 6 and model.n_code == 1
    assert [c["candidate"] for c in report["candidates"]] == CANDIDATES
    assert report["n_train"] + report["n_validation"] == 300
    assert report["n_validation"] == 60  # a fifth of the rows
    assert report["refitted"] is True
    linear = report["candidates"][0]
    assert linear["layer_sizes"] == [6, 1] and linear["iterations"] == 0
    assert linear["stop_reason"] is None
    for c in report["candidates"]:
        assert c["seconds"] >= 0.0
        assert c["layer_sizes"][0] == 6 and c["layer_sizes"][-1] == 1
    # PCA's model and the deep one train; the single layers are skipped once the deep one leads.
    by_name = {c["candidate"]: c for c in report["candidates"]}
    assert isinstance(by_name["deep"]["validation_loss"], float)
    assert report["chosen"] == "deep"
    for name in ("untied", "tied"):
        assert by_name[name]["validation_loss"] is None and by_name[name]["iterations"] == 0
    chosen = _chosen(report)
    assert chosen["validation_loss"] <= linear["validation_loss"]
    # The curve is not a line: a non-linear candidate wins, its stop reason named.
    assert report["chosen"] != "linear"
    assert chosen["stop_reason"] in ("early_stopping", "converged", "max_epochs")
    assert 0 < chosen["iterations"] <= 1000
    # The model is the chosen kind, refitted on every row: better than PCA's on them too.
    pca, _ = fit_auto(x, 1, candidates=["linear"])
    assert model.reconstruction_errors(x).mean() < pca.reconstruction_errors(x).mean()


def test_native_fit_auto_settings(curve):
    model, report = fit_auto(
        curve, 2, validation_fraction=0.5, max_iterations=5, patience=2, seed=1,
        candidates=["untied", "linear"], refit=False,
    )
    assert [c["candidate"] for c in report["candidates"]] == ["untied", "linear"]
    assert report["n_validation"] == 150 and report["refitted"] is False
    assert report["candidates"][0]["iterations"] <= 5
    assert model.n_code == 2


def test_native_fit_auto_lbfgs_history(curve):
    """The history reaches the training: 10 pairs is the default, 3 trains another model."""
    def deep_loss(**history):
        _, report = fit_auto(curve, 1, max_iterations=30, candidates=["deep"], **history)
        return report["candidates"][0]["validation_loss"]
    assert deep_loss() == deep_loss(lbfgs_history=10)
    assert deep_loss() != deep_loss(lbfgs_history=3)


def test_zero_budget_keeps_pcas_solution(curve):
    """With no time, PCA's solution (which needs no training) still runs; the others are
    skipped, and the model is not refitted."""
    model, report = fit_auto(curve, 2, time_budget=0.0)
    assert report["chosen"] == "linear" and report["refitted"] is False
    linear, *others = report["candidates"]
    assert linear["validation_loss"] is not None
    for c in others:
        assert c["validation_loss"] is None and c["iterations"] == 0 and c["stop_reason"] is None
    assert model.kind == "untied" and model.activations == ("identity", "identity")


def test_native_fit_auto_errors(curve):
    bad = curve.copy()
    bad[4, 2] = np.nan
    with pytest.raises(ValueError, match="data must be finite, found NaN at row 4, column 2"):
        fit_auto(bad, 1)
    with pytest.raises(ValueError, match="code_size must be between 1 and the number of columns"):
        fit_auto(curve, 7)
    with pytest.raises(ValueError, match="code_size"):
        fit_auto(curve, 0)
    for rows in (curve[:0], curve[:1]):  # one row cannot be split for validation
        with pytest.raises(ValueError, match="row"):
            fit_auto(rows, 1)
    with pytest.raises(ValueError, match="expected a 2-D float32 or float64 numpy array"):
        fit_auto(curve.astype(np.int64), 1)
    with pytest.raises(ValueError, match="expected a 2-D float32 or float64"):
        fit_auto(curve[0], 1)
    with pytest.raises(ValueError, match="unknown candidate \"pca\""):
        fit_auto(curve, 1, candidates=["pca"])
    with pytest.raises(ValueError, match="candidates"):
        fit_auto(curve, 1, candidates=[])
    for budget in (-1.0, math.nan):
        with pytest.raises(ValueError, match="time_budget"):
            fit_auto(curve, 1, time_budget=budget)
    for setting in (dict(validation_fraction=1.0), dict(max_iterations=0), dict(patience=0)):
        with pytest.raises(ValueError):
            fit_auto(curve, 1, **setting)
    for pairs in (0, 101):
        with pytest.raises(ValueError, match="lbfgs_history"):
            fit_auto(curve, 1, lbfgs_history=pairs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_estimator_auto(curve, dtype):
    x = curve.astype(dtype)
    est = Autoencoder(1, kind="auto", time_budget=math.inf, random_state=3).fit(x)
    report = est.auto_report_
    assert [c["candidate"] for c in report["candidates"]] == CANDIDATES
    chosen = _chosen(report)
    assert chosen["validation_loss"] <= report["candidates"][0]["validation_loss"]
    assert est.n_iter_ == chosen["iterations"] and est.stop_reason_ == chosen["stop_reason"]
    assert est.loss_curve_ is None and est.validation_scores_ is None
    assert est.model_.dtype == np.dtype(dtype).name and est.n_features_in_ == 6
    assert est.transform(x).shape == (300, 1) and est.transform(x).dtype == dtype
    # The same seed and no budget to run out: the same model as the native call.
    model, _ = fit_auto(x, 1, time_budget=math.inf, seed=3)
    assert est.model_.to_json() == model.to_json()


def test_estimator_auto_zero_budget_and_ignored_parameters(curve):
    est = Autoencoder(2, kind="auto", time_budget=0, epochs=1, activation="sigmoid", loss="bce")
    est.fit(curve)  # bce would refuse this data: the hand-tuning parameters are not used
    assert est.auto_report_["chosen"] == "linear"
    assert est.n_iter_ == 0 and est.stop_reason_ is None


def test_hand_set_kinds_have_no_auto_report(curve):
    est = Autoencoder(2, epochs=2, random_state=0).fit(curve)
    assert est.auto_report_ is None


def test_estimator_auto_bad_parameters(curve):
    for params in (
        dict(time_budget=-1.0),
        dict(time_budget="60"),
        dict(time_budget=math.nan),
        dict(n_components=7),
        dict(n_components=0),
        dict(n_components=1.5),
    ):
        with pytest.raises(ValueError):
            Autoencoder(**{"n_components": 2, "kind": "auto", **params}).fit(curve)
    bad = curve.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError):
        Autoencoder(2, kind="auto").fit(bad)
    with pytest.raises(ValueError):
        Autoencoder(2, kind="auto").fit(curve[:0])
    with pytest.raises(ValueError, match="n_samples=1"):
        Autoencoder(2, kind="auto").fit(curve[:1])


def test_auto_round_trips_through_get_params_clone_and_pickle(curve):
    est = Autoencoder(2, kind="auto", time_budget=30.0, random_state=5)
    params = est.get_params()
    assert params["kind"] == "auto" and params["time_budget"] == 30.0
    twin = clone(est)
    assert twin.get_params() == params and not hasattr(twin, "model_")
    est.set_params(time_budget=math.inf)
    est.fit(curve)
    back = pickle.loads(pickle.dumps(est))
    assert back.get_params() == est.get_params()
    assert back.auto_report_ == est.auto_report_
    assert back.model_.to_json() == est.model_.to_json()
    assert np.array_equal(back.transform(curve), est.transform(curve))


def test_time_dependence_is_declared():
    """A finite budget can cut training short on a slow machine; no budget cannot."""
    assert Autoencoder(kind="auto").__sklearn_tags__().non_deterministic
    assert not Autoencoder(kind="auto", time_budget=math.inf).__sklearn_tags__().non_deterministic
    assert not Autoencoder().__sklearn_tags__().non_deterministic


def test_detector_auto(wisconsin):
    X, _ = wisconsin
    det = AutoencoderDetector(kind="auto", n_components=3, time_budget=math.inf, random_state=0)
    det.fit(X)
    assert det.model_.n_code == 3 and det.n_iter_ == _chosen(det.auto_report_)["iterations"]
    assert det.threshold_ == np.percentile(det.decision_scores_, 90)
    assert np.array_equal(det.decision_function(X), det.decision_scores_)
