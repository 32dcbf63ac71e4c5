import os

# scikit-learn's check_array_api_input runs only when SciPy's array API support is switched on
# before SciPy is imported; without it check_estimator skips that one check.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest


@pytest.fixture
def unit_data():
    """300 rows of 9 features in (0, 1) with 3 degrees of freedom."""
    rng = np.random.RandomState(0)
    z = rng.uniform(-1, 1, size=(300, 3))
    a = rng.uniform(-1, 1, size=(9, 3))
    return 1.0 / (1.0 + np.exp(-(z @ a.T * 1.7 + 0.05 * rng.standard_normal((300, 9)))))


@pytest.fixture
def wisconsin():
    """scikit-learn's breast cancer data: X [569, 30], y = 1 for malignant."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return data.data, (data.target == 0).astype(int)
