"""Writes the safetensors fixtures that tests/interface/safetensors_io.rs imports.

Run from the repository root with Python's `safetensors` and `numpy` packages:

    python3 -m venv /tmp/st-venv && /tmp/st-venv/bin/pip install safetensors numpy
    /tmp/st-venv/bin/python tests/data/make_safetensors.py

Both files hold a tied-weight model with n_inputs = 9, n_hidden = 5:
    W[j, i] = 0.01 * (j * 9 + i) - 0.2     shape [5, 9]
    b1[j]   = 0.1 * j - 0.25               shape [5]
    b2[i]   = 0.5 - 0.125 * i              shape [9]
tied_9x5_f64.safetensors stores F64 and no metadata, as a file from another tool would;
tied_9x5_f32.safetensors stores F32 with the activation names in __metadata__.
"""

from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

N_INPUTS, N_HIDDEN = 9, 5
HERE = Path(__file__).resolve().parent


def tensors(dtype):
    j, i = np.meshgrid(np.arange(N_HIDDEN), np.arange(N_INPUTS), indexing="ij")
    # Computed in float64, then rounded once to the stored type.
    w = 0.01 * (j * N_INPUTS + i) - 0.2
    b1 = 0.1 * np.arange(N_HIDDEN) - 0.25
    b2 = 0.5 - 0.125 * np.arange(N_INPUTS)
    return {name: np.ascontiguousarray(a.astype(dtype)) for name, a in
            (("W", w), ("b1", b1), ("b2", b2))}


def main():
    save_file(tensors(np.float64), str(HERE / "tied_9x5_f64.safetensors"))
    save_file(
        tensors(np.float32),
        str(HERE / "tied_9x5_f32.safetensors"),
        metadata={"activation": "tanh", "output_activation": "identity"},
    )


if __name__ == "__main__":
    main()
