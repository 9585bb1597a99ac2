"""boostobj: custom multiclass objectives for gradient-boosted trees.

Softmax cross-entropy and weighted Brier score with exact gradients and
diagonal Hessians, verified against finite differences, plus adapters for
XGBoost (``boostobj.xgboost``) and LightGBM (``boostobj.lightgbm``), which
are imported only when used.
"""

from ._validation import Targets
from .check import CheckResult, check_grad_hess
from .objectives import BaseObjective, SoftmaxCrossEntropy, WeightedBrier, numba_available

__version__ = "0.1.0"

__all__ = [
    "BaseObjective",
    "CheckResult",
    "SoftmaxCrossEntropy",
    "Targets",
    "WeightedBrier",
    "__version__",
    "check_grad_hess",
    "numba_available",
]
