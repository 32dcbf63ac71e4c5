"""``Autoencoder``: the scikit-learn transformer."""

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from . import _common
from ._native import NativeModel, document_kind, PIPELINE_FORMAT


class Autoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """An autoencoder of the Rust crate ``autoencoder`` as a scikit-learn transformer.

    ``transform`` gives the codes (``n_components`` columns), ``inverse_transform`` decodes
    them, ``score_samples`` is the negative reconstruction error of each row (the mean squared
    error over its features; higher is more normal) and ``score`` its mean.

    Parameters
    ----------
    n_components : int, default=2
        Code size (units of the innermost layer).
    kind : {"tied", "untied", "stacked", "stacked_untied", "auto"}, default="tied"
        Tied weights (the decoder uses ``W`` transposed), a decoder of its own, or a stack of
        tied or untied levels (``hidden_layer_sizes`` between the inputs and the code), trained
        end to end. ``"auto"`` lets the crate choose (its ``fit_auto``): it trains PCA's
        solution, a deep untied model (inputs, a tanh hidden layer, code), and single untied
        and tied layers (tanh code, linear output) by L-BFGS (Adam on large data) with early
        stopping on a fifth of the rows, and keeps the one with the lowest validation error (a
        later candidate must be better by 2 % and by 1.645 standard errors of the row-by-row
        differences), then trained further on every row. Its model is never worse
        than PCA's on the validation rows and has a linear output, so the data need not lie in
        [0, 1] (standardise it). The recommended choice when you do not want to tune the model;
        it uses ``n_components``, ``random_state``, ``time_budget`` and ``verbose`` only (the
        other parameters are for the hand-set kinds).
    hidden_layer_sizes : tuple of int, default=()
        Sizes of a stack's layers between the inputs and the code (stacks only).
    activation, output_activation : {"sigmoid", "tanh", "identity", "relu"}
        Encoder (hidden) and output activations. Defaults ``"relu"`` and ``"identity"``, for
        standardised data (put a ``StandardScaler`` in front); a sigmoid output suits data in
        [0, 1].
    optimizer : {"adam", "sgd"}, default="adam"
    learning_rate : float, default=3e-3
    momentum : float, default=0.9
        SGD's momentum (PyTorch's form); ignored by Adam.
    weight_decay : float, default=0.0
    epochs : int, default=200
        Passes over the data (fewer with ``early_stopping``).
    batch_size : int, default=32
    loss : {"mse", "bce"}, default="mse"
        ``"bce"`` needs a sigmoid output and data in [0, 1].
    shuffle : bool, default=True
        Shuffle the rows each epoch (seeded by ``random_state``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when their loss has not improved
        by ``tol`` for ``n_iter_no_change`` epochs; the best epoch's parameters are kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=20
    tol : float, default=1e-4
    random_state : int, RandomState instance or None, default=None
        Seed of the initial weights and of the shuffling (with ``kind="auto"``, of the
        validation split and every candidate's weights): an int in [0, 2**64) is the crate's
        seed itself.
    verbose : bool, default=False
        Show a progress bar per epoch (tqdm when installed, else a line on stderr); with
        ``kind="auto"``, each candidate's validation error on stderr after fitting.
    time_budget : float, default=120.0
        Seconds the candidates of ``kind="auto"`` share (``float("inf")``: no limit): a
        candidate still training when it runs out stops there, keeping its best iteration, and
        later ones are skipped; PCA's solution always runs. Results then depend on the
        machine's speed. Other kinds ignore it.

    Attributes
    ----------
    model_ : autoencoder._native.NativeModel
        The trained model of the crate.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has column names.
    n_iter_ : int
        Epochs run; with ``kind="auto"``, the chosen candidate's iterations on the split (0
        for PCA's solution).
    loss_curve_ : list of float or None
        Training loss of each epoch (the crate's MSE: mean over all elements); None with
        ``kind="auto"``.
    validation_scores_ : list of float or None
        Validation loss of each epoch with ``early_stopping``; None with ``kind="auto"``.
    stop_reason_ : str or None
        ``"max_epochs"`` or ``"early_stopping"``; with ``kind="auto"``, the chosen candidate's
        (``"early_stopping"``, ``"converged"``, ``"max_epochs"``, ``"observer"`` when the
        budget ran out) or None for PCA's solution.
    auto_report_ : dict or None
        With ``kind="auto"``, what was tried: ``chosen`` (a candidate's name), ``n_train``,
        ``n_validation``, ``refitted`` (whether the chosen model was trained further on every
        row) and ``candidates``, a list in the order tried of dicts with ``candidate``
        (``"linear"``, ``"deep"``, ``"untied"``, ``"tied"``), ``layer_sizes``,
        ``validation_loss`` (mean squared error on the validation rows; None when skipped),
        ``iterations``, ``stop_reason`` (None for ``"linear"`` and skipped ones) and
        ``seconds``. None for the other kinds.

    Inputs are float32 or float64 numpy arrays (other dtypes are converted to float64); the
    model keeps the dtype it was fitted on and reads arrays of that dtype in place, with the GIL
    released. Errors of the crate (wrong width, NaN, divergence, ...) are ``ValueError``.
    """

    def __init__(
        self,
        n_components=2,
        *,
        kind="tied",
        hidden_layer_sizes=(),
        activation="relu",
        output_activation="identity",
        optimizer="adam",
        learning_rate=3e-3,
        momentum=0.9,
        weight_decay=0.0,
        epochs=200,
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
        self.n_components = n_components
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
        """Trains a new model on X, ``[n_samples, n_features]``; y is ignored.

        Returns
        -------
        self
        """
        X = _common.validate(self, X, reset=True)
        model, attributes = _common.fit_native(self.get_params(deep=False), X, self.verbose, "Autoencoder")
        self.model_ = model
        for name, value in attributes.items():
            setattr(self, name, value)
        return self

    # -- inference ------------------------------------------------------------------------

    def _input(self, X):
        check_is_fitted(self, "model_")
        X = _common.validate(self, X, reset=False)
        return _common.as_model_dtype(X, self.model_)

    def transform(self, X):
        """Codes of X, ``[n_samples, n_components]``, in the model's dtype."""
        return self.model_.encode(self._input(X))

    def inverse_transform(self, X):
        """Reconstructions from codes X, ``[n_samples, n_features_in_]``."""
        check_is_fitted(self, "model_")
        codes = check_array(X, dtype=list(_common.FLOAT_DTYPES))
        return self.model_.decode(_common.as_model_dtype(codes, self.model_))

    def reconstruct(self, X):
        """``inverse_transform(transform(X))`` in one call."""
        return self.model_.reconstruct(self._input(X))

    def reconstruction_errors(self, X):
        """Each row's reconstruction error (mean squared error over its features)."""
        return self.model_.reconstruction_errors(self._input(X))

    def score_samples(self, X):
        """Negative reconstruction error of each row: higher is more normal."""
        return -self.reconstruction_errors(X)

    def score(self, X, y=None):
        """Mean of ``score_samples(X)`` (so that ``GridSearchCV`` needs no ``scoring``)."""
        return float(np.mean(self.score_samples(X)))

    @property
    def _n_features_out(self):
        return self.model_.n_code

    # -- files ----------------------------------------------------------------------------

    def save(self, path):
        """Writes the model as the crate's JSON model file (what ``save_json`` writes in Rust),
        atomically. Only the model is stored; ``load`` infers the parameters it defines."""
        check_is_fitted(self, "model_")
        _common.write_atomic(path, self.model_.to_json())

    @classmethod
    def load(cls, path):
        """An estimator around a model file saved by ``save`` or by the crate
        (``VanillaAutoencoder::save_json`` and its untied and stacked kin), checked by the
        crate's loader."""
        return cls.from_native(_load_model(_common.read_text(path)))

    @classmethod
    def from_native(cls, model):
        """An estimator around a trained ``NativeModel`` (its parameters inferred from it)."""
        sizes = model.layer_sizes
        activation, output_activation = model.activations
        kind = _common.kind_of(model)
        estimator = cls(
            n_components=model.n_code,
            kind=kind,
            hidden_layer_sizes=tuple(sizes[1:-1]),
            activation=activation,
            output_activation=output_activation,
        )
        estimator.model_ = model
        estimator.n_features_in_ = model.n_inputs
        return estimator

    # -- scikit-learn metadata ---------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.non_deterministic = _common.is_time_dependent(self.kind, self.time_budget)
        return tags


def _load_model(text):
    fmt, _ = document_kind(text)
    if fmt == PIPELINE_FORMAT:
        raise ValueError(
            "this is a deployment (pipeline) file written by `autoencoder fit`: load it with "
            "autoencoder.load_pipeline or autoencoder.AutoencoderDetector.load"
        )
    return NativeModel.from_json(text)
