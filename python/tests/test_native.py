"""The native layer: construction, dtypes, errors, the GIL, progress."""

import threading
import time

import numpy as np
import pytest

from autoencoder import Autoencoder, NativeModel

KINDS = [("tied", [9, 4]), ("untied", [9, 4]), ("stacked", [9, 6, 3]), ("stacked_untied", [9, 6, 3])]


@pytest.mark.parametrize("kind,sizes", KINDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_kind_trains_and_scores(kind, sizes, dtype, unit_data):
    x = unit_data.astype(dtype)
    model = NativeModel.new(kind, sizes, "sigmoid", "sigmoid", 3, dtype)
    before = model.reconstruction_errors(x).mean()
    report = model.fit(x, {"epochs": 30, "batch_size": 8, "learning_rate": 0.5})
    assert report["epochs_run"] == 30 and len(report["epoch_losses"]) == 30
    assert model.reconstruction_errors(x).mean() < before
    codes = model.encode(x)
    assert codes.shape == (300, sizes[-1]) and codes.dtype == np.dtype(dtype)
    assert model.decode(codes).shape == x.shape
    np.testing.assert_array_equal(model.reconstruct(x), model.decode(codes))
    assert model.n_inputs == 9 and model.n_code == sizes[-1] and model.dtype == dtype
    assert model.layer_sizes == sizes


def test_views_are_read_in_place_whatever_their_strides(unit_data):
    model = NativeModel.new("tied", [9, 4], seed=1)
    fortran = np.asfortranarray(unit_data)
    strided = np.ascontiguousarray(np.repeat(unit_data, 2, axis=0))[::2]
    transposed_back = np.ascontiguousarray(unit_data.T).T
    expected = model.encode(np.ascontiguousarray(unit_data))
    for view in (fortran, strided, transposed_back):
        assert not view.flags["C_CONTIGUOUS"] or view is strided
        np.testing.assert_array_equal(model.encode(view), expected)


def test_errors_are_value_errors_with_the_crates_message(unit_data):
    model = NativeModel.new("tied", [9, 4])
    with pytest.raises(ValueError, match="data must have 9 columns, found 8"):
        model.encode(unit_data[:, :8])
    bad = unit_data.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="data must be finite, found NaN at row 3, column 2"):
        model.fit(bad)
    with pytest.raises(ValueError, match="at least one row"):
        model.fit(unit_data[:0])
    with pytest.raises(ValueError, match="expected a 2-D float64 numpy array"):
        model.encode(unit_data.astype(np.float32))
    with pytest.raises(ValueError, match="expected a 2-D float64"):
        model.encode(unit_data[0])
    with pytest.raises(ValueError, match="learning rate must be finite and > 0, got -1"):
        model.fit(unit_data, {"learning_rate": -1.0})
    with pytest.raises(ValueError, match="unknown training setting"):
        model.fit(unit_data, {"learning_rat": 0.1})
    with pytest.raises(ValueError, match="unknown activation \"softmax\""):
        NativeModel.new("tied", [9, 4], "softmax")
    with pytest.raises(ValueError, match="n_hidden must be > 0"):
        NativeModel.new("tied", [9, 0])
    with pytest.raises(ValueError, match="layer sizes"):
        NativeModel.new("tied", [9, 4, 2])
    with pytest.raises(ValueError, match="binary cross-entropy needs targets in \\[0, 1\\]"):
        model.fit(unit_data * 3, {"loss": "bce"})
    with pytest.raises(ValueError, match="corrupt model file"):
        NativeModel.from_json('{"format": "autoencoder/model"')
    with pytest.raises(ValueError, match="diverged"):
        NativeModel.new("tied", [9, 4], "identity", "identity").fit(
            unit_data * 1e6, {"learning_rate": 10.0, "optimizer": "sgd"}
        )


def test_io_errors_are_os_errors(tmp_path):
    from autoencoder import Autoencoder, load_pipeline

    with pytest.raises(OSError):
        Autoencoder.load(tmp_path / "missing.json")
    with pytest.raises(OSError):
        load_pipeline(tmp_path / "missing.json")


def test_the_gil_is_released_while_training(unit_data):
    """Another Python thread keeps running while a model trains."""
    x = np.tile(unit_data, (200, 1))  # 60,000 rows
    model = NativeModel.new("tied", [9, 5], seed=0)
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=tick)
    start = time.perf_counter()
    thread.start()
    model.fit(x, {"epochs": 3, "batch_size": 1})
    end = time.perf_counter()
    done.set()
    thread.join()
    during = [t for t in ticks if start < t < end]
    # Held GIL: the ticker would be starved (one switch interval per epoch at most).
    assert end - start > 0.05 and len(during) >= 10


def test_callback_per_epoch_and_stop(unit_data):
    model = NativeModel.new("tied", [9, 4])
    seen = []
    report = model.fit(unit_data, {"epochs": 50}, lambda e, loss, val: seen.append((e, loss)) or e == 4)
    assert [e for e, _ in seen] == [0, 1, 2, 3, 4]
    assert report["stop_reason"] == "observer"
    np.testing.assert_allclose([l for _, l in seen], report["epoch_losses"])


def test_callback_exception_propagates(unit_data):
    model = NativeModel.new("tied", [9, 4])

    def boom(epoch, loss, val):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        model.fit(unit_data, {"epochs": 5}, boom)


@pytest.mark.parametrize("with_tqdm", [True, False])
def test_verbose_progress_bar(unit_data, capsys, monkeypatch, with_tqdm):
    if not with_tqdm:
        import builtins

        real_import = builtins.__import__

        def no_tqdm(name, *args, **kwargs):
            if name.startswith("tqdm"):
                raise ImportError(name)
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", no_tqdm)
    elif pytest.importorskip("tqdm") is None:
        return
    Autoencoder(4, epochs=7, verbose=True, random_state=0).fit(unit_data)
    err = capsys.readouterr().err
    assert "7/7" in err


def test_from_parts_matches_numpy(unit_data):
    rng = np.random.RandomState(2)
    w, b1, b2 = rng.normal(size=(4, 9)), rng.normal(size=4), rng.normal(size=9)
    model = NativeModel.from_parts(w, b1, b2)
    sig = lambda a: 1 / (1 + np.exp(-a))
    y = sig(unit_data @ w.T + b1)
    z = sig(y @ w + b2)
    np.testing.assert_allclose(model.encode(unit_data), y, rtol=1e-12)
    np.testing.assert_allclose(model.reconstruction_errors(unit_data), ((z - unit_data) ** 2).mean(1), rtol=1e-10)
    v = rng.normal(size=(9, 4))
    untied = NativeModel.from_parts(w, b1, b2, v=v, activation="tanh", output_activation="identity")
    np.testing.assert_allclose(untied.reconstruct(unit_data), np.tanh(unit_data @ w.T + b1) @ v.T + b2, rtol=1e-10)
    assert untied.kind == "untied"


def test_large_inputs_are_scored_in_blocks_with_the_same_results(unit_data):
    """Scoring runs in row blocks (cache-sized); results equal per-row computation and errors
    name the row of the whole matrix."""
    model = NativeModel.new("untied", [9, 4], "tanh", "sigmoid", 3)
    x = np.tile(unit_data, (400, 1))  # 120,000 rows: many blocks
    errors = model.reconstruction_errors(x)
    codes = model.encode(x)
    np.testing.assert_array_equal(errors[:300], model.reconstruction_errors(unit_data))
    np.testing.assert_array_equal(errors[-300:], model.reconstruction_errors(unit_data))
    np.testing.assert_array_equal(codes[-300:], model.encode(unit_data))
    np.testing.assert_array_equal(model.decode(codes)[-300:], model.reconstruct(unit_data))
    x[90_001, 4] = np.inf
    with pytest.raises(ValueError, match="found inf at row 90001, column 4"):
        model.reconstruction_errors(x)
