"""Scoring with Dask, partition by partition, the model shipped to workers by pickling."""

import os
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from autoencoder import Autoencoder, AutoencoderDetector, NativeModel
from autoencoder.dask import score_partitions

ROWS = int(os.environ.get("AUTOENCODER_DASK_ROWS", 10_000_000))


@pytest.fixture(scope="module")
def model():
    rng = np.random.RandomState(0)
    x = rng.uniform(size=(2000, 9))
    return Autoencoder(5, activation="sigmoid", output_activation="sigmoid", epochs=5, random_state=0).fit(x)


def test_array_blocks_match_in_memory_scores(model):
    x = np.random.RandomState(1).uniform(size=(10_000, 9))
    dx = da.from_array(x, chunks=(1_500, 3))  # column chunks are merged
    for method in ("score_samples", "transform", "reconstruct"):
        out = score_partitions(model, dx, method=method).compute(scheduler="threads")
        assert np.array_equal(out, getattr(model, method)(x))


def test_dataframe_partitions():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.RandomState(2)
    frame = pd.DataFrame(rng.uniform(size=(5_000, 9)), columns=[f"f{j}" for j in range(9)])
    det = AutoencoderDetector(epochs=5, random_state=0).fit(frame)
    ddf = dd.from_pandas(frame, npartitions=4)
    scores = score_partitions(det, ddf).compute(scheduler="threads")
    assert np.array_equal(scores.to_numpy(), det.decision_function(frame))
    assert list(scores.index) == list(frame.index)
    codes = score_partitions(det, ddf, method="predict", dtype=np.int64).compute(scheduler="threads")
    assert np.array_equal(codes.to_numpy(), det.predict(frame))


def test_native_model_default_method():
    model = NativeModel.new("tied", [9, 5], seed=0)
    x = da.random.RandomState(0).uniform(size=(3000, 9), chunks=(1000, 9))
    out = score_partitions(model, x).compute(scheduler="sync")
    assert np.array_equal(out, model.reconstruction_errors(x.compute()))


def test_ten_million_rows_on_a_local_cluster(model):
    """>= 10 M rows of 9 features, generated lazily per chunk on the workers, scored on a
    LocalCluster of two worker processes; the same graph in this process for comparison."""
    distributed = pytest.importorskip("dask.distributed")
    chunk = 500_000

    def graph():
        x = da.random.RandomState(7).uniform(size=(ROWS, 9), chunks=(chunk, 9))
        scores = score_partitions(model, x)
        return da.stack([scores.sum(), (scores > -0.05).sum(), scores.shape[0] * da.ones(())])

    start = time.perf_counter()
    local = graph().compute(scheduler="single-threaded")
    local_s = time.perf_counter() - start
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        client.compute(graph().sum()).result()  # warm-up: workers import numpy and the module
        start = time.perf_counter()
        remote = client.compute(graph()).result()
        cluster_s = time.perf_counter() - start
    assert remote[2] == ROWS and local[2] == ROWS
    assert remote[0] == pytest.approx(local[0], rel=1e-12) and remote[1] == local[1]
    print(
        f"\n{ROWS:,} rows (generated and scored): one process {ROWS / local_s / 1e6:.2f} M rows/s "
        f"({local_s:.2f} s); LocalCluster 2 workers {ROWS / cluster_s / 1e6:.2f} M rows/s ({cluster_s:.2f} s)"
    )
