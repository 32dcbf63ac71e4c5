"""The crate's deployment files (format ``autoencoder/pipeline``, written by ``autoencoder fit``)."""

import numpy as np

from . import _common
from ._native import NativePipeline


class DeploymentPipeline:
    """A deployment file of the crate: its scaler, model and anomaly threshold, scoring raw
    rows as the command-line tool does (bit for bit: the same Rust code).

    Build one with :func:`load_pipeline`; it pickles through its JSON document.
    """

    def __init__(self, native):
        self.native = native

    @property
    def threshold(self):
        """The anomaly threshold on scores."""
        return self.native.threshold

    @property
    def column_names(self):
        return self.native.column_names

    @property
    def n_features_in_(self):
        return self.native.n_inputs

    @property
    def model(self):
        """The model as a fitted :class:`autoencoder.Autoencoder` (its inputs are scaled rows)."""
        from ._estimator import Autoencoder

        return Autoencoder.from_native(self.native.model)

    def _raw(self, X):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D array, got {X.ndim}-D")
        return X.astype(self.native.dtype, copy=False)

    def read_csv(self, path):
        """Raw rows of a CSV file read with the pipeline's options (the training file's layout)."""
        return self.native.read_csv(str(path))

    def transform(self, X):
        """Raw rows scaled as the model's inputs."""
        return self.native.transform(self._raw(X))

    def encode(self, X):
        """Codes of raw rows."""
        return self.native.encode(self._raw(X))

    def reconstruct(self, X):
        """Reconstructions of raw rows, in raw units."""
        return self.native.reconstruct(self._raw(X))

    def scores(self, X):
        """Anomaly scores of raw rows (higher is more abnormal)."""
        return self.native.scores(self._raw(X))

    def predict(self, X):
        """1 where a raw row's score exceeds the threshold, else 0."""
        return self.native.predict(self._raw(X)).astype(int)

    def save(self, path):
        """Writes the deployment file, atomically."""
        _common.write_atomic(path, self.native.to_json())

    def __repr__(self):
        return (
            f"DeploymentPipeline(n_inputs={self.native.n_inputs}, threshold={self.threshold!r}, "
            f"scaler={self.native.has_scaler}, model={self.native.model!r})"
        )


def load_pipeline(path):
    """Reads a deployment file (``autoencoder fit -o FILE``), with every check of the crate."""
    return DeploymentPipeline(NativePipeline.from_json(_common.read_text(path)))
