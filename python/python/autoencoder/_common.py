"""What the estimator and the detector share: input validation, seeds, the model's layer sizes,
the training settings, training with a progress bar or by the automatic model choice, and file
helpers."""

import math
import numbers
import os
import sys
import tempfile

import numpy as np
from sklearn.utils import check_random_state

from ._native import NativeModel, fit_auto
from ._progress import progress_bar

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

KINDS = ("tied", "untied", "stacked", "stacked_untied")
# The kind that lets the crate choose the model (fit_auto).
AUTO = "auto"
ACTIVATIONS = ("sigmoid", "tanh", "identity", "relu")
FLOAT_DTYPES = (np.float64, np.float32)

# The crate's kind names (NativeModel.kind) and ours.
CRATE_KIND = {"vanilla": "tied", "untied": "untied", "stacked": "stacked"}


def kind_of(model):
    """Our kind name of a NativeModel ("stacked_untied" for a stack whose levels have V)."""
    kind = CRATE_KIND[model.kind]
    if kind == "stacked":
        import json

        levels = json.loads(model.to_json())["levels"]
        if any("v" in level for level in levels):
            kind = "stacked_untied"
    return kind


def validate(estimator, X, reset):
    """X as a 2-D float32 or float64 array (other dtypes become float64), finite, not sparse;
    sets or checks ``n_features_in_`` (and ``feature_names_in_``)."""
    kwargs = dict(dtype=list(FLOAT_DTYPES), accept_sparse=False)
    if _sk_validate_data is not None:
        return _sk_validate_data(estimator, X, reset=reset, **kwargs)
    return estimator._validate_data(X, reset=reset, **kwargs)  # pragma: no cover


def as_model_dtype(X, model):
    """X in the model's float type (a view when it already is)."""
    return X if X.dtype == np.dtype(model.dtype) else X.astype(model.dtype)


def seed_from(random_state):
    """A u64 seed: a non-negative int is used as it is, None or a RandomState/Generator draws one."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if 0 <= int(random_state) < 2**64:
            return int(random_state)
        raise ValueError(f"random_state must be in [0, 2**64), got {random_state}")
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    rng = check_random_state(random_state)
    return int(rng.randint(0, np.iinfo(np.int64).max, dtype=np.int64))


def check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def check_n_components(n_components):
    if not isinstance(n_components, numbers.Integral) or isinstance(n_components, bool) or n_components < 1:
        raise ValueError(f"n_components must be an int >= 1, got {n_components!r}")
    return int(n_components)


def layer_sizes(kind, n_features, n_components, hidden_layer_sizes):
    """The model's layer sizes, inputs first and code last."""
    check_choice("kind", kind, KINDS)
    check_n_components(n_components)
    hidden = [] if hidden_layer_sizes is None else list(hidden_layer_sizes)
    for h in hidden:
        if not isinstance(h, numbers.Integral) or isinstance(h, bool) or h < 1:
            raise ValueError(f"hidden_layer_sizes must hold ints >= 1, got {hidden_layer_sizes!r}")
    if hidden and kind in ("tied", "untied"):
        raise ValueError(
            f"a {kind} model has one hidden layer (n_components); hidden_layer_sizes "
            f"{tuple(hidden)} needs kind='stacked' or 'stacked_untied'"
        )
    return [int(n_features), *map(int, hidden), int(n_components)]


def train_settings(params, seed):
    """The native training settings from an estimator's parameters."""
    check_choice("optimizer", params["optimizer"], ("sgd", "adam"))
    check_choice("loss", params["loss"], ("mse", "bce"))
    settings = dict(
        optimizer=params["optimizer"],
        learning_rate=float(params["learning_rate"]),
        momentum=float(params["momentum"]),
        weight_decay=float(params["weight_decay"]),
        epochs=count("epochs", params["epochs"]),
        batch_size=count("batch_size", params["batch_size"]),
        loss=params["loss"],
        shuffle=bool(params["shuffle"]),
        seed=seed,
    )
    if params["early_stopping"]:
        settings["validation_fraction"] = float(params["validation_fraction"])
        settings["early_stopping_patience"] = count("n_iter_no_change", params["n_iter_no_change"])
        settings["early_stopping_min_delta"] = float(params["tol"])
    return settings


def count(name, value):
    """value as an int >= 1, or a ValueError naming the parameter."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def fit_native(params, X, verbose, desc):
    """A new native model of the estimator's parameters, trained on X (float32 or float64), and
    its fitted attributes: ``(model, attributes)``, the attributes a dict of ``n_iter_``,
    ``loss_curve_``, ``validation_scores_``, ``stop_reason_`` and ``auto_report_``. The GIL is
    released while it trains."""
    check_choice("kind", params["kind"], (*KINDS, AUTO))
    if params["kind"] == AUTO:
        return _fit_auto(params, X, verbose, desc)
    check_choice("activation", params["activation"], ACTIVATIONS)
    check_choice("output_activation", params["output_activation"], ACTIVATIONS)
    sizes = layer_sizes(params["kind"], X.shape[1], params["n_components"], params["hidden_layer_sizes"])
    seed = seed_from(params["random_state"])
    settings = train_settings(params, seed)
    model = NativeModel.new(
        params["kind"], sizes, params["activation"], params["output_activation"], seed, X.dtype.name
    )
    if not verbose:
        report = model.fit(X, settings)
    else:
        bar = progress_bar(settings["epochs"], desc)
        try:
            report = model.fit(X, settings, lambda epoch, loss, val: bar.update(epoch, loss, val))
        finally:
            bar.close()
    return model, dict(
        n_iter_=report["epochs_run"],
        loss_curve_=report["epoch_losses"],
        validation_scores_=report["validation_losses"],
        stop_reason_=report["stop_reason"],
        auto_report_=None,
    )


def _fit_auto(params, X, verbose, desc):
    """The crate's automatic choice (fit_auto) with the code size, seed and time budget of the
    parameters; the hand-tuning ones are not used."""
    budget = params["time_budget"]
    if not isinstance(budget, numbers.Real) or isinstance(budget, bool) or not budget >= 0:
        raise ValueError(f"time_budget must be a number of seconds >= 0 (or inf), got {budget!r}")
    code_size = check_n_components(params["n_components"])
    if X.shape[0] < 2:
        # One row cannot be split into training and validation rows.
        raise ValueError(f"kind='auto' needs at least 2 samples, got n_samples={X.shape[0]}")
    model, report = fit_auto(
        X, code_size, time_budget=float(budget), seed=seed_from(params["random_state"])
    )
    chosen = next(c for c in report["candidates"] if c["candidate"] == report["chosen"])
    if verbose:
        for c in report["candidates"]:
            loss = "skipped" if c["validation_loss"] is None else f"{c['validation_loss']:.6g}"
            print(f"{desc}: {c['candidate']:>6} {c['layer_sizes']}: validation MSE {loss}", file=sys.stderr)
        print(f"{desc}: chose {report['chosen']}", file=sys.stderr)
    return model, dict(
        n_iter_=chosen["iterations"],
        loss_curve_=None,
        validation_scores_=None,
        stop_reason_=chosen["stop_reason"],
        auto_report_=report,
    )


def is_time_dependent(kind, time_budget):
    """Whether a fit can depend on the machine's speed: the automatic choice under a finite
    budget stops candidates when it runs out."""
    return kind == AUTO and not (isinstance(time_budget, numbers.Real) and math.isinf(time_budget))


def write_atomic(path, text):
    """Writes text to path through a temporary file in the same directory and a rename, so the
    file is either the old one or the new one."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".autoencoder-", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600): give it the mode of the file it replaces, or
        # the usual one (0666 less the umask).
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_text(path):
    with open(os.fspath(path), "r", encoding="utf-8") as f:
        return f.read()
