"""Coefficients across model sizes: the law's a and b as lines in the log of model size.

``fit_family`` fits them from runs of several sizes; ``read_manifest`` and ``read_arguments``
list a family's runs; ``sizes`` holds the non-embedding sizes of common models.
"""

from .fitting import FamilyFit, LeftOut, SizePrediction, fit_family
from .manifest import read_arguments, read_manifest
from .members import Coefficients, FamilyRun
from .sizes import MODEL_SIZES, model_size

__all__ = ["MODEL_SIZES", "Coefficients", "FamilyFit", "FamilyRun", "LeftOut", "SizePrediction",
           "fit_family", "model_size", "read_arguments", "read_manifest"]
