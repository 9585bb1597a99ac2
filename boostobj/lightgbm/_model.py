"""Model surgery: class priors added to a trained Booster's first trees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import _describe

if TYPE_CHECKING:
    import lightgbm as lgb


def add_init_raw(booster: lgb.Booster, init_raw: Any) -> lgb.Booster:
    """Add constant starting margins to a trained Booster's first trees.

    A custom objective's training starts from the Dataset's ``init_score``,
    which LightGBM does not store in the model. Adding those margins to every
    leaf of the first iteration's trees (as LightGBM's ``boost_from_average``
    does for built-in objectives) makes the Booster predict complete margins,
    also after ``save_model``/``model_to_string`` and reloading. Call it once,
    after training. Predictions with ``start_iteration > 0`` then miss the
    margins, as with ``boost_from_average``.

    To continue training (``lgb.train(..., init_model=booster)``), call it
    on the first model before continuing, and not on the continued one:
    LightGBM replaces the Dataset's ``init_score`` with the margins of
    ``init_model``, which then include the priors. A continued Booster
    still in memory raises.

    Parameters
    ----------
    booster : lightgbm.Booster
        Trained, with K trees per iteration (or 1 for a single output).
    init_raw : array-like of shape (K,), or float for a single output

    Returns
    -------
    booster : lightgbm.Booster
        The same Booster, modified in place.

    Raises
    ------
    ValueError
        If ``init_raw`` does not have one entry per tree of an iteration, the
        Booster has no trees, or its leaf values do not determine its output
        (linear trees, random-forest averaging).
    """
    start = np.atleast_1d(np.asarray(init_raw, dtype=np.float64))
    per_iter = booster.num_model_per_iteration()
    if start.shape != (per_iter,) or not np.all(np.isfinite(start)):
        raise ValueError(
            f"init_raw must hold {per_iter} finite margin(s), one per tree of an iteration, "
            f"got {_describe(start)}"
        )
    if booster.current_iteration() < 1:
        raise ValueError("the Booster has no trees yet; call add_init_raw after training")
    if getattr(booster, "_Booster__init_predictor", None) is not None:
        # Its first trees are init_model's, and its later ones started from
        # init_model's margins, which LightGBM put in place of the
        # Dataset's init_score: the priors belong in init_model.
        raise ValueError(
            "the Booster continued an init_model, whose margins its new trees started "
            "from; add init_raw to the first model, before continuing it, and not again"
        )
    model = booster.dump_model(num_iteration=1)
    if model.get("average_output", False):
        raise ValueError("init_raw cannot be added to a random-forest Booster (averaged output)")
    for tree in model["tree_info"]:
        if _is_linear(tree["tree_structure"]):
            raise ValueError(
                "init_raw cannot be added to linear trees (linear_tree=True): their output "
                "is not the leaf value; add init_raw to the predicted margins instead"
            )
    for tree in model["tree_info"]:
        t = tree["tree_index"]
        for leaf in range(tree["num_leaves"]):
            value = booster.get_leaf_output(t, leaf) + start[t % per_iter]
            booster.set_leaf_output(t, leaf, value)
    return booster


def _is_linear(node: dict) -> bool:
    while "left_child" in node:  # any leaf tells: all or none are linear
        node = node["left_child"]
    return "leaf_const" in node
