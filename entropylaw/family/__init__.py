"""A family across model sizes: each run's plateau as a bounded line in the log of model size,
and the law's a and b as lines in it.

``fit_family`` fits them from runs of several sizes (or given coefficients, or given
accuracies); ``read_manifest`` and ``read_arguments`` list a family's runs; ``sizes`` holds the
non-embedding sizes of common models.
"""

from .fitting import FamilyFit, LeftOut, SizePrediction, fit_family
from .manifest import read_arguments, read_manifest
from .members import Accuracy, Coefficients, FamilyRun
from .plateau_line import PlateauLine
from .plateaus import Plateau
from .sizes import MODEL_SIZES, model_size

__all__ = ["MODEL_SIZES", "Accuracy", "Coefficients", "FamilyFit", "FamilyRun", "LeftOut",
           "Plateau", "PlateauLine", "SizePrediction", "fit_family", "model_size",
           "read_arguments", "read_manifest"]
