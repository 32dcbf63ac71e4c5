"""``AutoencoderDetector``: an outlier detector with PyOD's ``BaseDetector`` conventions."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from . import _common
from ._native import NativePipeline, document_kind, PIPELINE_FORMAT

SCORINGS = ("reconstruction", "code_neighbours")
# The crate's default (Scoring::code_neighbours).
DEFAULT_NEIGHBORS = 5


class AutoencoderDetector(BaseEstimator):
    """Anomaly detection by reconstruction error or by code neighbours, with PyOD's detector
    interface.

    ``fit(X)`` standardises X (``preprocessing=True``), trains an autoencoder of the crate on
    it, and sets ``decision_scores_`` (the training rows' scores), ``threshold_`` (their
    ``100 * (1 - contamination)`` percentile) and ``labels_`` (1 above the threshold).
    ``decision_function`` scores new rows (higher is more abnormal), ``predict`` gives 0/1
    labels, ``predict_proba`` outlier probabilities (``"linear"`` or ``"unify"``), as
    ``pyod.models.base.BaseDetector`` does. When PyOD is installed the class is registered as a
    virtual subclass of ``BaseDetector``.

    A row's score is its reconstruction error (``scoring="reconstruction"``), or the mean
    distance of its code to the ``n_neighbors`` nearest codes of the training rows
    (``scoring="code_neighbours"``). The second suits normal data made of several kinds of rows
    (several digits, machines, customers), where a model can learn to reconstruct an unseen
    kind well but does not give it codes near the training rows'. A training row's own code is
    left out of its neighbours in ``decision_scores_`` (which set the threshold), so it does
    not score 0 against itself; ``decision_function`` on the training rows does count it.

    The fitted scaler, model and threshold (and the training codes, by code neighbours) form
    one deployment pipeline of the crate (``pipeline_``): scoring runs in Rust with the GIL
    released, ``save`` writes the file the crate's command-line tool scores (``autoencoder
    score``), and ``load`` reads the files that ``autoencoder fit`` writes.

    Parameters
    ----------
    contamination : float in (0, 0.5], default=0.1
        Expected fraction of outliers in the training data.
    n_components : int or None, default=None
        Code size; None takes ``max(1, n_features // 4)``.
    preprocessing : bool, default=True
        Standardise each feature (mean 0, standard deviation 1; constant features are only
        centred) before the model, as PyOD's ``AutoEncoder`` does.
    scoring : {"reconstruction", "code_neighbours"}, default="reconstruction"
        What rows are scored by (above).
    n_neighbors : int, default=5
        How many nearest training codes a code-neighbour score averages over: at least 1 and
        below the number of training rows. The detector keeps the codes of all training rows up
        to 4096, else of 4096 evenly spaced ones. Ignored by reconstruction scoring.
    kind, hidden_layer_sizes, activation, output_activation, optimizer, learning_rate, momentum,
    weight_decay, epochs, batch_size, loss, shuffle, early_stopping, validation_fraction,
    n_iter_no_change, tol, random_state, verbose, time_budget
        As in :class:`autoencoder.Autoencoder` (``epochs`` defaults to 100 here), ``kind="auto"``
        included: the crate chooses the model within ``time_budget`` seconds.

    Attributes
    ----------
    decision_scores_ : ndarray of shape (n_samples,)
        Outlier scores of the training data (None for a detector loaded from a file).
    threshold_ : float
    labels_ : ndarray of int, shape (n_samples,)
    pipeline_ : autoencoder._native.NativePipeline
    model_ : autoencoder._native.NativeModel
    n_features_in_ : int
    n_iter_, loss_curve_, auto_report_
        As in :class:`autoencoder.Autoencoder`.
    """

    def __init__(
        self,
        contamination=0.1,
        n_components=None,
        *,
        preprocessing=True,
        scoring="reconstruction",
        n_neighbors=DEFAULT_NEIGHBORS,
        kind="tied",
        hidden_layer_sizes=(),
        activation="relu",
        output_activation="identity",
        optimizer="adam",
        learning_rate=3e-3,
        momentum=0.9,
        weight_decay=0.0,
        epochs=100,
        batch_size=32,
        loss="mse",
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        random_state=None,
        verbose=False,
        time_budget=120.0,
    ):
        self.contamination = contamination
        self.n_components = n_components
        self.preprocessing = preprocessing
        self.scoring = scoring
        self.n_neighbors = n_neighbors
        self.kind = kind
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.batch_size = batch_size
        self.loss = loss
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.time_budget = time_budget

    # -- training -------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Fits the detector on X; y is ignored (PyOD warns when it is given).

        Returns
        -------
        self
        """
        contamination = self.contamination
        if (
            not isinstance(contamination, numbers.Real)
            or isinstance(contamination, bool)
            or not 0.0 < contamination <= 0.5
        ):
            raise ValueError(f"contamination must be in (0, 0.5], got: {contamination!r}")
        X = _common.validate(self, X, reset=True)
        if self.preprocessing:
            # Standard scaling as the crate's StandardScaler computes it (in float64, from the
            # mean and std rounded to X's dtype), so that training and scoring see the same rows.
            mean = X.mean(axis=0, dtype=np.float64)
            std = X.std(axis=0, dtype=np.float64)
            std[~(std > 0)] = 1.0
            mean = mean.astype(X.dtype).astype(np.float64)
            std = std.astype(X.dtype).astype(np.float64)
            scaled = ((X.astype(np.float64) - mean) / std).astype(X.dtype)
        else:
            mean = std = None
            scaled = X
        _common.check_choice("scoring", self.scoring, SCORINGS)
        if self.scoring == "code_neighbours":
            n_neighbors = _common.count("n_neighbors", self.n_neighbors)
        params = self.get_params(deep=False)
        if params["n_components"] is None:
            params["n_components"] = max(1, X.shape[1] // 4)
        model, attributes = _common.fit_native(params, scaled, self.verbose, "AutoencoderDetector")
        self.model_ = model
        for name in ("n_iter_", "loss_curve_", "auto_report_"):
            setattr(self, name, attributes[name])
        if self.scoring == "code_neighbours":
            # The crate keeps the training codes and sets the threshold from the training rows'
            # leave-one-out scores, which training_scores gives back.
            self.pipeline_ = NativePipeline.fit_code_neighbours(
                model, X, float(contamination), n_neighbors, None, _list(mean), _list(std)
            )
            self.decision_scores_ = np.asarray(self.pipeline_.training_scores(X), dtype=np.float64)
            self._set_threshold(float(self.pipeline_.threshold))
        else:
            # The training scores through the pipeline that will score new rows (same arithmetic).
            pipeline = NativePipeline.from_model(model, 0.0, None, _list(mean), _list(std))
            self.decision_scores_ = np.asarray(pipeline.scores(X), dtype=np.float64)
            self._set_threshold(float(np.percentile(self.decision_scores_, 100 * (1 - contamination))))
            self.pipeline_ = NativePipeline.from_model(
                model, _representable(self.threshold_, X.dtype), None, _list(mean), _list(std)
            )
        self._classes = 2
        return self

    def _set_threshold(self, threshold):
        self.threshold_ = threshold
        self.labels_ = (self.decision_scores_ > self.threshold_).astype("int").ravel()
        self._mu = float(np.mean(self.decision_scores_))
        self._sigma = float(np.std(self.decision_scores_))

    # -- scoring --------------------------------------------------------------------------

    def decision_function(self, X):
        """Outlier scores of X (reconstruction errors of the scaled rows, or the mean distances
        of their codes to the nearest training codes): higher is more abnormal. Shape
        ``(n_samples,)``."""
        return np.asarray(self.pipeline_.scores(self._pipeline_input(X)), dtype=np.float64)

    def _pipeline_input(self, X):
        check_is_fitted(self, "pipeline_")
        X = _common.validate(self, X, reset=False)
        return X if X.dtype == np.dtype(self.pipeline_.dtype) else X.astype(self.pipeline_.dtype)

    def predict(self, X, return_confidence=False):
        """0 for inliers, 1 for outliers (score above ``threshold_``)."""
        check_is_fitted(self, ["threshold_"])
        prediction = (self.decision_function(X) > self.threshold_).astype("int").ravel()
        if return_confidence:
            return prediction, self.predict_confidence(X)
        return prediction

    def predict_proba(self, X, method="linear", return_confidence=False):
        """Outlier probability, ``(n_samples, 2)`` (inlier, outlier): ``"linear"`` min-max scales
        the scores by the training scores' range, ``"unify"`` uses ``erf((s - mu) / (sigma
        sqrt 2))`` of their mean and standard deviation (Kriegel et al. 2011), as PyOD does."""
        self._require_training_scores()
        test_scores = self.decision_function(X)
        probs = np.zeros([test_scores.shape[0], int(self._classes)])
        if method == "linear":
            low, high = float(np.min(self.decision_scores_)), float(np.max(self.decision_scores_))
            span = high - low
            outlier = (test_scores - low) / span if span > 0 else np.zeros_like(test_scores)
            probs[:, 1] = np.clip(outlier, 0, 1).ravel()
        elif method == "unify":
            from scipy.special import erf

            sigma = self._sigma if self._sigma > 0 else 1.0
            probs[:, 1] = np.clip(erf((test_scores - self._mu) / (sigma * np.sqrt(2))), 0, 1).ravel()
        else:
            raise ValueError(method, "is not a valid probability conversion method")
        probs[:, 0] = 1 - probs[:, 1]
        if return_confidence:
            return probs, self.predict_confidence(X)
        return probs

    def predict_confidence(self, X):
        """Confidence of each prediction under perturbations of the training set (Perini et al.
        2020), in [0, 1], as PyOD computes it."""
        from scipy.stats import binom

        self._require_training_scores()
        n = len(self.decision_scores_)
        test_scores = self.decision_function(X)
        ranks = np.searchsorted(np.sort(self.decision_scores_), test_scores, side="right")
        posterior = (1 + ranks) / (2 + n)
        confidence = 1 - binom.cdf(n - int(n * self.contamination), n, posterior)
        prediction = (test_scores > self.threshold_).astype("int").ravel()
        return np.where(prediction == 0, 1 - confidence, confidence)

    def fit_predict(self, X, y=None):
        """Fits on X and returns ``labels_``."""
        return self.fit(X, y).labels_

    def _require_training_scores(self):
        check_is_fitted(self, ["decision_scores_", "threshold_", "labels_"])
        if self.decision_scores_ is None:
            raise ValueError(
                "this detector was loaded from a file without its training scores: call "
                "set_training_scores(X_train) first"
            )

    def set_training_scores(self, X):
        """Recomputes ``decision_scores_`` and ``labels_`` from training data X, keeping
        ``threshold_`` (for a detector loaded from a file). By code neighbours X must be the
        training rows, all of them in order (each row's own code is left out of its
        neighbours); other rows are a ``ValueError``."""
        scores = self.pipeline_.training_scores(self._pipeline_input(X))
        self.decision_scores_ = np.asarray(scores, dtype=np.float64)
        self._set_threshold(self.threshold_)
        return self

    # -- files ----------------------------------------------------------------------------

    def save(self, path):
        """Writes the crate's deployment file (scaler, model, threshold; by code neighbours
        also the scoring and the training codes), atomically: the command-line tool scores raw
        CSV rows with it (``autoencoder score FILE DATA.csv``)."""
        check_is_fitted(self, "pipeline_")
        _common.write_atomic(path, self.pipeline_.to_json())

    @classmethod
    def load(cls, path, X=None):
        """A detector from a deployment file (``save``, or ``autoencoder fit`` of the
        command-line tool), checked by the crate's loader. Its threshold and scoring are the
        file's; ``decision_scores_`` are those of the training rows X when given (else None;
        see ``set_training_scores``)."""
        text = _common.read_text(path)
        fmt, _ = document_kind(text)
        if fmt != PIPELINE_FORMAT:
            raise ValueError(f"{path}: expected a deployment file ({PIPELINE_FORMAT}), found {fmt}")
        return cls.from_pipeline(NativePipeline.from_json(text), X)

    @classmethod
    def from_pipeline(cls, pipeline, X=None):
        """A fitted detector around a ``NativePipeline``."""
        model = pipeline.model
        activation, output_activation = model.activations
        detector = cls(
            n_components=model.n_code,
            kind=_common.kind_of(model),
            hidden_layer_sizes=tuple(model.layer_sizes[1:-1]),
            activation=activation,
            output_activation=output_activation,
            preprocessing=pipeline.has_scaler,
            scoring=pipeline.scoring,
            n_neighbors=pipeline.neighbours or DEFAULT_NEIGHBORS,
        )
        detector.pipeline_ = pipeline
        detector.model_ = model
        detector.n_features_in_ = pipeline.n_inputs
        detector.threshold_ = float(pipeline.threshold)
        detector._classes = 2
        detector.decision_scores_ = None
        detector.labels_ = None
        if X is not None:
            detector.set_training_scores(X)
        return detector

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "outlier_detector"
        return tags


def _list(a):
    return None if a is None else [float(v) for v in a]


def _representable(threshold, dtype):
    """The threshold in the pipeline's float type (a float32 pipeline stores float32 values)."""
    return float(np.asarray(threshold, dtype=dtype))


try:  # PyOD is optional: when it is there, isinstance(detector, BaseDetector) holds.
    from pyod.models.base import BaseDetector as _BaseDetector

    _BaseDetector.register(AutoencoderDetector)
except Exception:  # pragma: no cover - PyOD not installed (or broken)
    pass
