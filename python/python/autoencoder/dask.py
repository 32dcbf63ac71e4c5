"""Scoring Dask collections partition by partition with a fitted model.

The model travels to the workers by pickling (through the crate's JSON document, a few
kilobytes) inside the task graph; each worker scores its blocks in Rust with the GIL released.
Nothing here schedules or distributes: Dask does (``map_blocks`` / ``map_partitions``), on
whatever scheduler is active, e.g. a ``dask.distributed`` ``LocalCluster``::

    from dask.distributed import Client, LocalCluster
    import dask.array as da
    from autoencoder.dask import score_partitions

    with LocalCluster(n_workers=4, threads_per_worker=1) as cluster, Client(cluster):
        X = da.random.random((10_000_000, 9), chunks=(500_000, 9))
        scores = score_partitions(detector, X)        # lazy, one score per row
        flagged = (scores > detector.threshold_).sum().compute()
"""

import numpy as np

_DEFAULT_METHOD = {
    "AutoencoderDetector": "decision_function",
    "Autoencoder": "score_samples",
    "NativeModel": "reconstruction_errors",
    "DeploymentPipeline": "scores",
}
# Methods whose result has one column per code unit (the others give one value per row).
_CODE_METHODS = ("transform", "encode")
_INPUT_METHODS = ("reconstruct", "inverse_transform")


def _method_of(model, method):
    if method is None:
        name = type(model).__name__
        for cls in type(model).__mro__:
            if cls.__name__ in _DEFAULT_METHOD:
                return _DEFAULT_METHOD[cls.__name__]
        raise TypeError(f"no default scoring method for {name}: pass method=")
    if not callable(getattr(model, method, None)):
        raise ValueError(f"{type(model).__name__} has no method {method!r}")
    return method


def _n_code(model):
    for attr in ("model_", "native"):
        inner = getattr(model, attr, None)
        if inner is not None:
            return inner.n_code if attr == "model_" else inner.model.n_code
    return model.n_code


def _apply(block, model, method):
    """Scores one block (a numpy array or a pandas DataFrame) in the worker."""
    values = block.to_numpy() if hasattr(block, "to_numpy") else block
    return getattr(model, method)(np.ascontiguousarray(values))


def _apply_frame(frame, model, method, columns):
    import pandas as pd

    out = _apply(frame, model, method)
    if out.ndim == 1:
        return pd.Series(out, index=frame.index, name=columns)
    return pd.DataFrame(out, index=frame.index, columns=columns)


def score_partitions(model, data, method=None, dtype=np.float64):
    """Applies ``model.<method>`` to each block of a Dask array or each partition of a Dask
    DataFrame, lazily.

    Parameters
    ----------
    model : Autoencoder, AutoencoderDetector, DeploymentPipeline or NativeModel
        A fitted model; it is pickled into the graph.
    data : dask.array.Array of shape (n, n_features) or dask.dataframe.DataFrame
        Blocks are rechunked to hold every column.
    method : str, optional
        ``decision_function`` (the default for a detector), ``score_samples`` (for an
        ``Autoencoder``), ``transform``, ``reconstruct``, ``predict``, ...
    dtype : numpy dtype
        The result's dtype (float32 models give float32 codes and errors).

    Returns
    -------
    dask.array.Array (one value per row, or one row per row) or dask Series / DataFrame.
    """
    method = _method_of(model, method)
    if hasattr(data, "map_partitions"):  # a Dask DataFrame
        if method in _CODE_METHODS:
            columns = [f"code{j}" for j in range(_n_code(model))]
            meta = {c: dtype for c in columns}
        elif method in _INPUT_METHODS:
            columns = list(data.columns)
            meta = {c: dtype for c in columns}
        else:
            columns = method
            meta = (method, dtype)
        return data.map_partitions(_apply_frame, model, method, columns, meta=meta)
    import dask.array as da

    if not isinstance(data, da.Array):
        data = da.from_array(np.asarray(data))
    if data.ndim != 2:
        raise ValueError(f"expected a 2-D Dask array, got {data.ndim}-D")
    if data.numblocks[1] != 1:
        data = data.rechunk({1: -1})
    if method in _CODE_METHODS:
        n = _n_code(model)
        return data.map_blocks(_apply, model, method, dtype=dtype, chunks=(data.chunks[0], (n,)))
    if method in _INPUT_METHODS:
        return data.map_blocks(_apply, model, method, dtype=dtype)
    return data.map_blocks(_apply, model, method, dtype=dtype, drop_axis=1)
