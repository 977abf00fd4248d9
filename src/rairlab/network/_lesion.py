"""Lesion-level states of sampled patients: clones mixed, untreated or on drugs.

One concept: a lesion is a mix of clones, so the network's outputs (not its
parameters) are mixed (:func:`mix_clones`); :func:`population_steady_state` solves a
cohort's patients, each with its own genotype, in one batch per clone level,
at steady state or a given time after the drugs start. :func:`normal_thyrocyte` is the
reference cell the layers below divide by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError
from rairlab.network._compiled import CompiledModel
from rairlab.network._data import load_network_data
from rairlab.network._perturb import conditions
from rairlab.network._population import PopulationSample, population_conditions
from rairlab.network._specs import NetworkData
from rairlab.network.solvers import SteadyState, steady_state, time_course

__all__ = ["LesionState", "mix_clones", "normal_thyrocyte", "population_steady_state"]

Array = NDArray[np.float64]


def mix_clones(x_clone: ArrayLike, x_rest: ArrayLike, fraction: ArrayLike) -> Array:
    """Tumour-level activities of a lesion whose cells are a mix of two clones.

    ``fraction * x_clone + (1 - fraction) * x_rest`` per patient: uptake, NIS and Tg
    are amounts summed over cells, so a lesion's value is the cell-number-weighted mean.
    `x_*` are (n_patients, ...) and `fraction` is (n_patients,).

    Examples
    --------
    >>> mix_clones([[0.0], [1.0]], [[1.0], [1.0]], [0.25, 1.0]).ravel().tolist()
    [0.75, 1.0]
    """
    a, b = np.asarray(x_clone, dtype=float), np.asarray(x_rest, dtype=float)
    f = np.asarray(fraction, dtype=float).reshape((-1,) + (1,) * (a.ndim - 1))
    if np.any((f < 0) | (f > 1)):
        raise InvalidValueError("fraction", fraction, "clonal fractions in [0, 1]")
    return np.asarray(f * a + (1.0 - f) * b)


def normal_thyrocyte(model: CompiledModel, data: NetworkData | None = None) -> SteadyState:
    """The reference cell: wild type, TSH withdrawal, default environment, no drugs.

    Relative quantities handed to the layers below the network (the biokinetics'
    uptake activity 1 = a normal thyrocyte's ``iodide_uptake``) divide by its outputs.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> ref = normal_thyrocyte(compile_model())
    >>> 0 < float(ref["iodide_uptake"][0]) < 1
    True
    """
    return steady_state(model, conditions(model, 1, tsh="withdrawal", data=data))


@dataclass(frozen=True)
class LesionState:
    """Lesion-level activities of sampled patients: the cell-weighted mean over clones.

    Attributes
    ----------
    x
        Activities, shape (n_patients, N); for a lesion with a subclonal alteration,
        ``f x_clone + (1 - f) x_rest`` (no longer a steady state of one cell).
    converged
        Per patient: every clone's steady state converged.
    node_ids
        Column order of `x`.
    clonal
        Clonal fraction applied per alteration id, shape (n_patients,) each; NaN for
        patients whose genotype lacks the alteration.
    not_in_variant
        Edges of the population spec that the model variant lacks (their draws unused).
    """

    x: Array
    converged: NDArray[np.bool_]
    node_ids: tuple[str, ...]
    clonal: Mapping[str, Array]
    not_in_variant: tuple[str, ...] = ()

    def __getitem__(self, node: str) -> Array:
        return self.x[:, self.node_ids.index(node)]


def population_steady_state(
    model: CompiledModel,
    sample: PopulationSample,
    *,
    genotype: str | Sequence[str] | NDArray[np.str_] | None = None,
    drugs: Mapping[str, ArrayLike] | None = None,
    tsh: str | float | None = "withdrawal",
    env: Mapping[str, Any] | None = None,
    hours: float | None = None,
    data: NetworkData | None = None,
) -> LesionState:
    """Steady state of the sampled patients with their genotype, clonal fractions applied.

    `genotype` is one text for every patient or one per patient; all patients are
    solved in one batch whatever their genotypes.

    With `hours`, the state `hours` after the drugs start instead: each clone is
    integrated (:func:`~rairlab.network.time_course`) from its steady state without
    the drugs (same TSH and environment), so slow states such as ``NIS_silencing``
    have moved only part of the way; ``converged`` then also requires the integration
    to have completed.

    For each alteration of a patient's genotype that the sample gives a clonal
    fraction f (by its id or its parent's, e.g. ``TERT c.-124C>T`` -> the TERT promoter
    record), the genotype without it is solved too and the outputs are mixed, ``f
    x_clone + (1 - f) x_rest``; several subclonal alterations are nested in genotype
    order (each later one a subclone of the earlier ones).

    Examples
    --------
    >>> from rairlab.network import compile_model, sample_parameters
    >>> m = compile_model()
    >>> s = sample_parameters(None, 5, seed=1)
    >>> st = population_steady_state(m, s, genotype="BRAF V600E; TERT C228T")
    >>> st.x.shape == (5, m.n_nodes), sorted(st.clonal)
    (True, ['ALT-003'])
    >>> mixed = population_steady_state(m, s, genotype=["", "BRAF V600E", "", "", ""])
    >>> bool(np.allclose(mixed.x[1], population_steady_state(m, s.take([1]),
    ...     genotype="BRAF V600E").x[0]))
    True
    """
    if hours is not None and not (np.isfinite(hours) and hours >= 0):
        raise InvalidValueError("hours", hours, "a time >= 0 h after the drugs start, or None")
    data = data or load_network_data()
    n = sample.n
    texts = (
        np.full(n, genotype or "")
        if genotype is None or isinstance(genotype, str)
        else (np.asarray(genotype, dtype=str))
    )
    if texts.shape != (n,):
        raise InvalidValueError("genotype", f"{texts.size} texts", f"one text or {n} texts")
    unique, inverse = np.unique(texts, return_inverse=True)
    inverse = inverse.reshape(-1)
    ordered = _subclones_last(unique, sample)
    skipped: list[str] = []

    def solve(
        rows: NDArray[np.intp] | None, geno: NDArray[np.str_]
    ) -> tuple[Array, NDArray[np.bool_], dict[str, Array]]:
        part = sample if rows is None else sample.take(rows)

        def conds(d: Mapping[str, ArrayLike] | None) -> tuple[Any, dict[str, Array]]:
            return population_conditions(
                model, part, genotype=list(geno), drugs=d, tsh=tsh, env=env, data=data
            )

        cond, clonal = conds(_rows(drugs, rows))
        for label in cond.labels:
            skipped.extend(e for e in label.get("not_in_variant", ()) if e not in skipped)
        if hours is None or not drugs:
            ss = steady_state(model, cond)
            return ss.x, ss.converged, clonal
        untreated, _ = conds(None)
        start = steady_state(model, untreated)
        tc = time_course(model, cond, [float(hours)], start.x)
        return tc.x[:, -1], start.converged & tc.completed, clonal

    x, converged, clonal = solve(None, _texts(ordered, None)[inverse])
    x, converged = np.array(x), np.array(converged)
    applied: dict[str, Array] = {}
    # innermost subclone first: mixing from the last subclonal alteration outwards
    for k in range(max((len(a) for a in ordered), default=0) - 1, -1, -1):
        # per distinct genotype: the clonal-fraction key of its k-th alteration ("" if none)
        key_of = np.asarray(
            [
                next((i for i in (a[k].id, a[k].parent) if i in clonal), "") if len(a) > k else ""
                for a in ordered
            ],
            dtype=object,
        )[inverse]
        rows = np.flatnonzero(key_of != "")
        if rows.size == 0:
            continue
        rest_x, rest_ok, _ = solve(rows, _texts(ordered, k)[inverse[rows]])
        f = np.empty(rows.size)
        for key in set(key_of[rows]):
            mine = key_of[rows] == key
            f[mine] = clonal[key][rows[mine]]
            applied.setdefault(key, np.full(n, np.nan))[rows[mine]] = f[mine]
        x[rows] = mix_clones(x[rows], rest_x, f)
        converged[rows] &= rest_ok
    return LesionState(x, converged, model.node_ids, applied, tuple(skipped))


def _subclones_last(unique: NDArray[np.str_], sample: PopulationSample) -> list[list[Any]]:
    """Each distinct genotype's alterations, those with a drawn clonal fraction last.

    Subclonal alterations are nested after the clonal ones, so the order a genotype
    was written in does not matter.
    """
    from rairlab.knowledge import load_knowledge, parse_genotype

    drawn = {p.key for p in sample.spec.parameters if p.target == "clonal"}
    out = []
    for text in unique:
        alts = list(parse_genotype(str(text), load_knowledge())) if text else []
        sub = [a for a in alts if a.id in drawn or a.parent in drawn]
        out.append([a for a in alts if a not in sub] + sub)
    return out


def _texts(ordered: list[list[Any]], k: int | None) -> NDArray[np.str_]:
    """Per distinct genotype: the text of its first `k` alterations (all with None)."""
    return np.asarray(["; ".join(a.text for a in alts[:k]) for alts in ordered], dtype=str)


def _rows(
    drugs: Mapping[str, ArrayLike] | None, rows: NDArray[np.intp] | None
) -> Mapping[str, ArrayLike] | None:
    """Per-patient drug exposures restricted to `rows` (scalars stay scalars)."""
    if drugs is None or rows is None:
        return drugs
    return {k: (v if np.ndim(v) == 0 else np.asarray(v)[rows]) for k, v in drugs.items()}
