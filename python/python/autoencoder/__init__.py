"""Autoencoders of the Rust crate ``autoencoder`` from Python.

- :class:`Autoencoder`: a scikit-learn transformer (tied, untied and stacked models, or the
  crate's automatic choice, ``kind="auto"``).
- :class:`AutoencoderDetector`: an outlier detector with PyOD's ``BaseDetector`` interface,
  scoring by reconstruction error or by code neighbours.
- :func:`load_pipeline`: the deployment files of the crate's command-line tool.
- :mod:`autoencoder.dask`: scoring Dask arrays and DataFrames partition by partition.

Models pickle through the crate's versioned JSON document, and read and write the crate's own
files, so a model trained in Rust or by the command-line tool is usable here and back.
"""

from ._native import NativeModel, NativePipeline
from ._estimator import Autoencoder
from ._detector import AutoencoderDetector
from ._pipeline import DeploymentPipeline, load_pipeline

__all__ = [
    "Autoencoder",
    "AutoencoderDetector",
    "DeploymentPipeline",
    "NativeModel",
    "NativePipeline",
    "load_pipeline",
]
__version__ = "0.1.0"
