"""How labels and weights reach LightGBM objectives, validated once.

A native-API Dataset carries its validated targets as an attribute (attached
by the user, cut from an attached ancestor for ``Dataset.subset``, or built
from its own label and weight); the scikit-learn API's wrappers, which get
the same label and weight arrays every round, find theirs in a table keyed
weakly on those arrays.
"""

from __future__ import annotations

import sys
import weakref
from os import PathLike
from types import FrameType
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import Targets, _describe, _WorkerTargets

if TYPE_CHECKING:
    import lightgbm as lgb


# How targets reach the objective. A Dataset carries a ``_Binding`` as an
# attribute (so it lives, is copied and is freed with the Dataset, and
# callables in ``params`` hold no data):
#
# - attached by the user (soft labels, per-class weights, ``attach_targets``);
# - derived from an attached ancestor, for ``Dataset.subset`` (``lgb.cv``
#   folds, any depth): the ancestor's targets at the composed row indices;
# - else built from the Dataset's own ``get_label``/``get_weight``.
#
# Every binding remembers the engine label and weight the Dataset had when it
# was made. Engine labels are followed when they change; attached ones are not
# silently overruled: a changed label or weight under attached targets is an
# error, never a fallback.
_BINDING_ATTR = "_boostobj_binding"


def _dataset_rows(dataset: Any) -> int | None:
    """Rows of a Dataset, or None if unknown before construction (e.g. a file)."""
    if getattr(dataset, "_handle", None) is not None:
        return int(dataset.num_data())
    shape = getattr(getattr(dataset, "data", None), "shape", None)
    return int(shape[0]) if shape else None


def _engine_values(values: Any, drop_ones: bool) -> np.ndarray | None:
    """A Dataset's label or weight as LightGBM stores it: float32, or None.

    LightGBM drops all-one weights (``get_weight`` then returns None).
    """
    if values is None:
        return None
    arr = np.asarray(values, dtype=np.float32).ravel()
    if drop_ones and arr.size and bool(np.all(arr == 1)):
        return None
    return arr


class _EngineSnapshot:
    """A Dataset's label and weight at one moment, to notice later changes.

    The check is an identity test per round; only when LightGBM hands out a
    new array (construction, ``set_label``, ``set_weight``) are values
    compared, once.
    """

    __slots__ = ("label", "label_seen", "pending", "weight", "weight_seen")

    def __init__(self, label: Any, weight: Any, pending: bool = False) -> None:
        self.label_seen, self.weight_seen = label, weight
        self.label = _engine_values(label, drop_ones=False)
        self.weight = _engine_values(weight, drop_ones=True)
        # A Dataset read from a file gets its label and weight on construction.
        self.pending = pending

    def changed(self, label: Any, weight: Any) -> str | None:
        """Which of label/weight now holds other values, or None."""
        if self.pending:
            _EngineSnapshot.__init__(self, label, weight)
            return None
        for what, seen, now, before, ones in (
            ("label", self.label_seen, label, self.label, False),
            ("weight", self.weight_seen, weight, self.weight, True),
        ):
            if now is seen:
                continue
            values = _engine_values(now, drop_ones=ones)
            same = (values is None and before is None) or (
                values is not None and before is not None and np.array_equal(values, before)
            )
            if not same:
                return what
            if what == "label":
                self.label_seen = now
            else:
                self.weight_seen = now
        return None


class _Binding:
    """The targets of one Dataset and where they come from."""

    __slots__ = (
        "init_raw",
        "init_seen",
        "parent",
        "snapshot",
        "source",
        "targets",
    )

    def __init__(
        self, targets: Targets, source: str, snapshot: _EngineSnapshot, parent: Any = None
    ) -> None:
        self.targets = targets
        self.source = source  # "attached", "subset" or "engine"
        self.snapshot = snapshot
        self.parent = parent  # for "subset": the ancestor's binding it was cut from
        # Attached starting margins and the init_score array last checked
        # against them (see _check_init).
        self.init_raw: np.ndarray | None = None
        self.init_seen: Any = None


def _engine_label_weight(dataset: Any) -> tuple[Any, Any]:
    if getattr(dataset, "_handle", None) is not None:
        return dataset.get_label(), dataset.get_weight()
    return getattr(dataset, "label", None), getattr(dataset, "weight", None)


def attach_targets(
    dataset: lgb.Dataset,
    labels: Any,
    sample_weight: Any = None,
    *,
    init_raw: Any = None,
) -> lgb.Dataset:
    """Attach labels and weights a LightGBM Dataset cannot hold.

    A Dataset holds 1-D labels and 1-D weights only. Attach soft labels
    (n, K) or per-class weights (n, K) here; :func:`objective` and
    :func:`metric` then use them instead of the Dataset's own label and
    weight. They are validated once, here, and belong to the Dataset:
    subsets of it (``Dataset.subset`` at any depth, ``lgb.cv`` folds) use
    the matching rows, and copies of ``params`` copy no labels.

    Parameters
    ----------
    dataset : lightgbm.Dataset
        Training or validation set, constructed or not.
    labels : array-like of shape (n,) or (n, K), or Targets
        Class ids or soft labels (rows summing to 1).
    sample_weight : array-like of shape (n,) or (n, K), default=None
        Weights; if None, the Dataset's ``weight``, if any, is used. Giving
        both is an error.
    init_raw : array-like of shape (K,) or float, optional
        Starting margins, e.g. ``obj.init_raw(labels)``; stored as the
        Dataset's ``init_score`` (n, K) (or (n,) for a float).

    Returns
    -------
    dataset : lightgbm.Dataset
        The same Dataset. If it had no label, it gets the class ids (for
        soft labels, the most probable class), for LightGBM's own metrics.

    Raises
    ------
    ValueError
        If the labels are invalid, their rows differ from the Dataset's, or
        weights are given twice.

    Notes
    -----
    Attach again after changing the Dataset's label or weight
    (``set_label``, ``set_weight``): the objective refuses attached targets
    whose Dataset has changed under them. A validation set built with
    ``reference=`` a Dataset that has attached targets needs targets of its
    own too.
    """
    dataset_weight = getattr(dataset, "weight", None)
    if sample_weight is not None and dataset_weight is not None:
        raise ValueError(
            "sample_weight was given but the Dataset already has a weight; "
            "pass the weights in one place only"
        )
    if isinstance(labels, Targets):
        if sample_weight is not None:
            raise ValueError(
                "pass sample_weight when building Targets, not together with a Targets instance"
            )
        targets = labels
    else:
        targets = Targets(labels, sample_weight if sample_weight is not None else dataset_weight)
    n = targets.n_samples
    rows = _dataset_rows(dataset)
    if rows is not None and rows != n:
        raise ValueError(
            f"labels have {n} rows but the Dataset has {rows} rows; attach the labels of "
            f"this Dataset's rows"
        )
    if init_raw is not None:
        start = np.asarray(init_raw, dtype=np.float64)
        if start.ndim > 1 or not np.all(np.isfinite(start)):
            raise ValueError(
                f"init_raw must be a finite float or a (K,) array, got {_describe(start)}"
            )
        try:  # K = len(init_raw), or a single output for a float
            targets.check_fits(n, 2 if start.ndim == 0 else start.shape[0], start.ndim == 0)
        except ValueError as exc:
            raise ValueError(
                f"init_raw of shape {start.shape} does not fit the labels: {exc}"
            ) from None
        shape = (n,) if start.ndim == 0 else (n, start.shape[0])
        dataset.set_init_score(np.broadcast_to(start, shape).copy())
    if rows is not None and getattr(dataset, "label", None) is None:
        # (A Dataset read from a file takes its label from the file.)
        ids = targets._labels.argmax(axis=1) if targets.soft else targets._labels
        dataset.set_label(np.asarray(ids, dtype=np.float64))
    from_file = rows is None and isinstance(getattr(dataset, "data", None), (str, PathLike))
    snapshot = _EngineSnapshot(*_engine_label_weight(dataset), pending=from_file)
    binding = _Binding(targets, "attached", snapshot)
    if init_raw is not None:
        binding.init_raw = start
        binding.init_seen = getattr(dataset, "init_score", None)
    setattr(dataset, _BINDING_ATTR, binding)
    return dataset


def _check_init(dataset: Any, binding: _Binding, role: str) -> None:
    """Raise if the ``init_score`` of ``dataset``, attached as ``init_raw``, is now 0.

    In a training with ``init_model=`` (``lgb.train`` or ``lgb.cv``), a
    Dataset's ``init_score`` becomes the model's margins; used again without,
    LightGBM sets it to 0 rather than back, and the priors attached with it
    are silently gone. Checked once per ``init_score`` array LightGBM holds.
    """
    if binding.init_raw is None or getattr(dataset, "_predictor", None) is not None:
        return
    current = getattr(dataset, "init_score", None)
    if current is binding.init_seen:
        return
    if current is not None and np.any(binding.init_raw) and not np.any(np.asarray(current)):
        raise ValueError(
            f"the {role} Dataset's init_score, attached as init_raw, is now 0: LightGBM sets "
            f"it to 0 when a Dataset used in a training with init_model= is used again "
            f"without it. Build a new Dataset, or attach the targets again (with init_raw) "
            f"now that LightGBM has reset this one"
        )
    binding.init_seen = current


def _check_binding(dataset: Any, binding: _Binding, role: str, ancestor: bool = False) -> None:
    """Raise if targets no longer match their Dataset's label and weight.

    ``ancestor``: ``dataset`` is the attached ancestor of the Dataset in use.
    """
    what = binding.snapshot.changed(*_engine_label_weight(dataset))
    if what is None:
        return
    where = (
        f"the {role} Dataset is a subset of a Dataset whose {what}"
        if ancestor
        else f"the {role} Dataset's {what}"
    )
    raise ValueError(
        f"{where} was changed after boostobj targets were attached to it, which the "
        f"attached labels and weights would silently overrule; call "
        f"boostobj.lightgbm.attach_targets again after set_label/set_weight"
    )


_OWN_ROWS = np.empty(0, dtype=np.intp)  # sentinel: a validation set's rows are its own


def _attached_ancestor(
    dataset: Any, compose: bool = True
) -> tuple[Any, _Binding, np.ndarray | None] | None:
    """The nearest ancestor (or the Dataset itself) with attached targets.

    Returns the ancestor, its binding, and the rows of the ancestor that the
    Dataset holds (None for the Dataset itself), composing ``subset`` indices
    along the chain; or None if no ancestor has attached targets.
    A Dataset made with ``reference=`` but no ``used_indices`` (a validation
    set) holds rows of its own, to which its ancestors' targets do not
    apply: the rows are then ``_OWN_ROWS``. With ``compose=False`` the rows
    of a subset are not computed (None).
    """
    rows: np.ndarray | None = None
    node = dataset
    while True:
        binding = getattr(node, _BINDING_ATTR, None)
        if binding is not None and binding.source == "attached":
            return node, binding, rows
        parent = getattr(node, "reference", None)
        used = getattr(node, "used_indices", None)
        if parent is None:
            return None
        if used is None:
            # A validation set: does anything up the chain have attached targets?
            found = _attached_ancestor(parent, compose=False)
            if found is None:
                return None
            return found[0], found[1], _OWN_ROWS
        if compose:
            step = np.asarray(used, dtype=np.intp)
            rows = step if rows is None else step[rows]
        node = parent


def _dataset_targets(dataset: Any, role: str) -> Targets:
    """The validated targets of a Dataset, built once and checked every round."""
    if not hasattr(dataset, "get_label"):
        raise TypeError(
            f"the {role} data must be a lightgbm.Dataset, got {type(dataset).__name__}: "
            f"boostobj.lightgbm.objective() and metric() are for lgb.train and lgb.cv; "
            f"LGBMClassifier, LGBMModel and boostobj's Classifier pass arrays: use "
            f"sklearn_objective() and sklearn_metric() there (the Classifier reports its "
            f"objective's loss by default)"
        )
    binding: _Binding | None = getattr(dataset, _BINDING_ATTR, None)
    if binding is not None and binding.source == "attached":
        _check_binding(dataset, binding, role)
        _check_init(dataset, binding, role)
        return binding.targets
    if binding is not None and binding.source == "subset":
        ancestor = _attached_ancestor(dataset, compose=False)
        if ancestor is not None and ancestor[1] is binding.parent:
            _check_binding(ancestor[0], ancestor[1], role, ancestor=True)
            _check_init(ancestor[0], ancestor[1], role)
            _check_binding(dataset, binding, role)
            return binding.targets
        binding = None  # the chain was re-attached: derive again
    found = _attached_ancestor(dataset)
    if found is not None:
        ancestor, parent_binding, rows = found
        if rows is _OWN_ROWS:
            raise ValueError(
                f"the {role} Dataset was built with reference= a Dataset that has boostobj "
                f"targets attached, but has none of its own; its LightGBM labels would be "
                f"used silently. Call boostobj.lightgbm.attach_targets on it too"
            )
        _check_binding(ancestor, parent_binding, role, ancestor=ancestor is not dataset)
        _check_init(ancestor, parent_binding, role)
        whole = parent_binding.targets
        sw = whole.sample_weight
        sub = Targets(whole._labels[rows], None if sw is None else sw[rows])
        snapshot = _EngineSnapshot(*_engine_label_weight(dataset))
        setattr(dataset, _BINDING_ATTR, _Binding(sub, "subset", snapshot, parent_binding))
        return sub
    label, weight = dataset.get_label(), dataset.get_weight()
    if binding is not None and binding.snapshot.changed(label, weight) is None:
        return binding.targets
    targets = Targets(label, weight)
    setattr(dataset, _BINDING_ATTR, _Binding(targets, "engine", _EngineSnapshot(label, weight)))
    return targets


# (label array, weight array) -> Targets, for LGBMClassifier's wrappers, which
# pass the same arrays every round rather than the Dataset. Entries are keyed
# weakly and go when either array goes (a Targets holds copies, never them).
_BY_ARRAYS: dict[tuple[int, int], tuple[Any, Any, Targets]] = {}


def _targets_class() -> type[Targets]:
    """Targets, or inside lightgbm.dask's training on a worker those whose weights may all be 0.

    LightGBM tells a custom objective nothing of its distributed training;
    one worker's partition of a weighted data set may carry weight 0. Its
    Dask training runs each worker's part from ``lightgbm.dask``: a frame of
    that module up the stack tells (a fit in any other Dask task does not).
    """
    if "lightgbm.dask" not in sys.modules:
        return Targets
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == "lightgbm.dask":
            return _WorkerTargets
        frame = frame.f_back
    return Targets


def _array_targets(labels: Any, weight: Any) -> Targets:
    key = (id(labels), id(weight))
    entry = _BY_ARRAYS.get(key)
    if (
        entry is not None
        and entry[0]() is labels
        and (weight is None if entry[1] is None else entry[1]() is weight)
    ):
        return entry[2]
    try:
        # (Bound as a default: module globals may be gone when this runs at exit.)
        drop = lambda _ref, key=key, table=_BY_ARRAYS: table.pop(key, None)  # noqa: E731
        lref = weakref.ref(labels, drop)
        wref = None if weight is None else weakref.ref(weight, drop)
    except TypeError:  # not weak-referenceable (e.g. a list): validate every call
        return _targets_class()(labels, weight)
    # Targets keeps copies, not the arrays: the entry cannot keep its own key alive.
    targets = _targets_class()(labels, weight)
    _BY_ARRAYS[key] = (lref, wref, targets)
    return targets
