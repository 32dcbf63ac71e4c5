"""Rows per second of scoring with Dask: a LocalCluster of worker processes against one process.

    python python/benchmarks/dask_scoring.py --rows 10000000 --workers 2

The data (9 features, uniform) are generated lazily per chunk by dask.array's random module on
whichever process runs the chunk, so memory stays bounded; a 9-5-9 sigmoid model scores each
chunk (autoencoder.dask.score_partitions, map_blocks); the graph reduces the scores to their
sum and the count above a threshold. Reported: the same graph with the single-threaded
scheduler in this process, and on LocalCluster(n_workers, threads_per_worker=1,
processes=True); generation is included in both (as "scored" rows/s), and a second line times
the generation alone.
"""

import argparse
import time

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

from autoencoder import Autoencoder
from autoencoder.dask import score_partitions


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    x_fit = np.random.RandomState(0).uniform(size=(5000, 9))
    model = Autoencoder(5, activation="sigmoid", output_activation="sigmoid", epochs=5, random_state=0).fit(x_fit)

    def data():
        return da.random.RandomState(7).uniform(size=(args.rows, 9), chunks=(args.chunk, 9))

    def scored():
        s = score_partitions(model, data())
        return da.stack([s.sum(), (s > -0.05).sum()])

    def generated():
        return data().sum()

    def timed(compute):
        start = time.perf_counter()
        out = compute()
        return time.perf_counter() - start, out

    t_local, local = timed(lambda: scored().compute(scheduler="single-threaded"))
    g_local, _ = timed(lambda: generated().compute(scheduler="single-threaded"))
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        client.compute(scored()).result()  # warm-up
        t_cluster, remote = timed(lambda: client.compute(scored()).result())
        g_cluster, _ = timed(lambda: client.compute(generated()).result())
    assert np.isclose(local[0], remote[0], rtol=1e-12) and local[1] == remote[1]
    n = args.rows
    print(f"{n:,} rows x 9 features, chunks of {args.chunk:,}")
    print(f"| where | generated + scored | generated only | scoring share |")
    print(f"|---|---|---|---|")
    for where, t, g in (("one process (single-threaded scheduler)", t_local, g_local),
                        (f"LocalCluster, {args.workers} worker processes x 1 thread", t_cluster, g_cluster)):
        print(f"| {where} | {n / t / 1e6:.2f} M rows/s ({t:.2f} s) | {n / g / 1e6:.2f} M rows/s ({g:.2f} s) | {max(t - g, 0):.2f} s |")
    print(f"speed-up: {t_local / t_cluster:.2f}x")


if __name__ == "__main__":
    main()
