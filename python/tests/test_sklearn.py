"""scikit-learn's estimator interface: check_estimator, Pipeline, GridSearchCV, clone."""

import math

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from autoencoder import Autoencoder

ESTIMATORS = [
    Autoencoder(3, kind="tied", epochs=50),
    Autoencoder(3, kind="untied", epochs=50),
    Autoencoder(2, kind="stacked", hidden_layer_sizes=(4,), epochs=50),
    Autoencoder(2, kind="stacked_untied", hidden_layer_sizes=(4,), activation="tanh", epochs=50),
    # No budget to run out: the same model from the same data on any machine.
    Autoencoder(2, kind="auto", time_budget=math.inf),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_check_estimator_passes_and_skips_nothing():
    """The suite itself, as users call it: every check passes, none is skipped."""
    results = check_estimator(Autoencoder(3, epochs=30), on_fail=None, on_skip=None)
    statuses = {r["status"] for r in results}
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    skipped = [(r["check_name"], str(r["exception"])) for r in results if r["status"] == "skipped"]
    assert not failed, failed
    assert not skipped, skipped
    assert statuses == {"passed"} and len(results) > 40


def test_fitted_attributes_and_shapes(unit_data):
    est = Autoencoder(4, epochs=20, random_state=0)
    assert not hasattr(est, "model_")
    codes = est.fit_transform(unit_data)
    assert codes.shape == (300, 4)
    assert est.n_features_in_ == 9 and est.n_iter_ == 20 and len(est.loss_curve_) == 20
    assert est.inverse_transform(codes).shape == (300, 9)
    np.testing.assert_array_equal(est.score_samples(unit_data), -est.reconstruction_errors(unit_data))
    np.testing.assert_array_equal(est.reconstruct(unit_data), est.inverse_transform(codes))
    assert est.score(unit_data) == pytest.approx(np.mean(est.score_samples(unit_data)))
    assert list(est.get_feature_names_out()) == [f"autoencoder{j}" for j in range(4)]


def test_fit_transform_equals_fit_then_transform(unit_data):
    a = Autoencoder(3, epochs=10, random_state=5).fit_transform(unit_data)
    b = Autoencoder(3, epochs=10, random_state=5).fit(unit_data).transform(unit_data)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype, unit_data):
    est = Autoencoder(3, epochs=5, random_state=0).fit(unit_data.astype(dtype))
    assert est.model_.dtype == np.dtype(dtype).name
    assert est.transform(unit_data.astype(dtype)).dtype == dtype
    assert est.score_samples(unit_data).dtype == dtype  # other dtypes are converted


def test_integer_input_becomes_float64():
    X = np.arange(60).reshape(20, 3) % 7
    est = Autoencoder(2, epochs=3, random_state=0).fit(X)
    assert est.model_.dtype == "float64"


def test_bad_input_is_a_value_error(unit_data):
    est = Autoencoder(3, epochs=3, random_state=0).fit(unit_data)
    bad = unit_data.copy()
    bad[0, 0] = np.inf
    for fit_or_score in (Autoencoder(3).fit, est.transform, est.score_samples):
        with pytest.raises(ValueError):
            fit_or_score(bad)
    with pytest.raises(ValueError, match="9 features"):
        est.transform(unit_data[:, :4])
    with pytest.raises(ValueError):
        est.inverse_transform(np.zeros((2, 5)))
    with pytest.raises(ValueError):
        Autoencoder(3).fit(np.zeros((0, 9)))
    with pytest.raises(ValueError):
        Autoencoder(3).fit(np.zeros(9))
    with pytest.raises(ValueError):
        Autoencoder(3).fit(np.array([["a", "b"]], dtype=object))
    for params in (
        dict(kind="deep"),
        dict(n_components=0),
        dict(n_components=2.5),
        dict(activation="softmax"),
        dict(optimizer="rmsprop"),
        dict(epochs=0),
        dict(batch_size=-1),
        dict(learning_rate=-1.0),
        dict(kind="tied", hidden_layer_sizes=(5,)),
        dict(random_state=-3),
    ):
        with pytest.raises(ValueError):
            Autoencoder(**{"n_components": 3, **params}).fit(unit_data)


def test_random_state_reproducible(unit_data):
    a = Autoencoder(3, epochs=5, random_state=11).fit(unit_data)
    b = Autoencoder(3, epochs=5, random_state=11).fit(unit_data)
    c = Autoencoder(3, epochs=5, random_state=np.random.RandomState(11)).fit(unit_data)
    assert a.model_.to_json() == b.model_.to_json()
    assert c.transform(unit_data).shape == (300, 3)


def test_clone_pipeline_and_grid_search(unit_data):
    est = Autoencoder(3, epochs=10, random_state=0, kind="untied")
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "model_")
    pipe = make_pipeline(StandardScaler(), Autoencoder(3, epochs=20, random_state=0), PCA(2))
    assert pipe.fit_transform(unit_data).shape == (300, 2)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), Autoencoder(epochs=20, random_state=0)),
        {"autoencoder__n_components": [1, 3], "autoencoder__kind": ["tied", "untied"]},
        cv=3,
    )
    search.fit(unit_data)
    assert search.best_params_["autoencoder__n_components"] == 3
    assert search.best_estimator_.transform(unit_data).shape == (300, 3)
    est.set_params(n_components=2)
    assert est.fit(unit_data).transform(unit_data).shape == (300, 2)


def test_sigmoid_model_beats_the_mean_on_low_rank_data(unit_data):
    est = Autoencoder(3, activation="sigmoid", output_activation="sigmoid", epochs=200, random_state=0)
    err = est.fit(unit_data).reconstruction_errors(unit_data).mean()
    assert err < 0.25 * unit_data.var(axis=0).mean()


def test_early_stopping(unit_data):
    est = Autoencoder(3, epochs=2000, early_stopping=True, n_iter_no_change=5, random_state=0).fit(unit_data)
    assert est.stop_reason_ == "early_stopping" and est.n_iter_ < 2000
    assert len(est.validation_scores_) == est.n_iter_
