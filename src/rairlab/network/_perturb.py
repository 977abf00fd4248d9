"""Perturbations: genotype, environment, TSH state and drugs turned into per-patient `Conditions`.

Genotype text is parsed by :func:`rairlab.knowledge.parse_genotype`; drug names are
resolved by the knowledge base (``kb.agent``). Their effects on network nodes are
data: ``alterations.yaml``, ``drug_actions.yaml``, ``environment.yaml``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network._compiled import CompiledModel, Conditions, Pulse
from rairlab.network._data import load_network_data
from rairlab.network._specs import AgentActions, NetworkData

__all__ = ["conditions", "drug_effect", "modelled_agents"]

Array = NDArray[np.float64]


@functools.lru_cache(maxsize=1)
def _kb() -> Any:
    from rairlab.knowledge import load_knowledge

    return load_knowledge()


def drug_effect(exposure: ArrayLike, potency: ArrayLike, emax: float, hill: float) -> Array:
    """Fractional effect h = emax E^hill / (E^hill + potency^hill) of exposure E.

    Examples
    --------
    >>> float(drug_effect(1.0, 1.0, 0.8, 1.0))
    0.4
    >>> float(drug_effect(0.0, 0.2, 0.95, 1.0))
    0.0
    """
    e = np.power(np.maximum(np.asarray(exposure, dtype=float), 0.0), hill)
    return np.asarray(emax * e / (e + np.power(np.asarray(potency, dtype=float), hill)))


def modelled_agents(data: NetworkData | None = None) -> list[str]:
    """Canonical names of the knowledge-base agents that act on the network.

    Examples
    --------
    >>> "dabrafenib" in modelled_agents()
    True
    """
    data = data or load_network_data()
    return sorted(a.name for a in data.agents)


def _resolve_agent(name: str, data: NetworkData) -> tuple[Any, AgentActions]:
    kb = _kb()
    record = kb.find_agent(name)
    if record is None:
        for entry in data.agents:
            if name.strip().lower() in (entry.name, *entry.aliases):
                record = kb.agent(entry.agent)
                break
    if record is None:
        record = kb.agent(name)  # raises UnknownNameError with close matches
    by_id = {a.agent: a for a in data.agents}
    if record.id not in by_id:
        raise InvalidValueError(
            "--drug",
            name,
            f"an agent with modelled targets ({record.name} is known but acts on nothing "
            f"in the network); modelled: {', '.join(modelled_agents(data))}",
        )
    return record, by_id[record.id]


def _patient_array(value: ArrayLike, n: int, what: str) -> Array:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,) or not np.all(np.isfinite(arr)):
        raise InvalidValueError(what, value, f"a finite number or an array of shape ({n},)")
    return arr


def _level(key: str, value: Any, levels: Mapping[str, float], n: int) -> Array:
    accepted = f"a finite number in [0, 1] or one of {', '.join(levels)}"
    if isinstance(value, str):
        for name, v in levels.items():
            if name.lower() == value.strip().lower():
                return np.full(n, v)
        try:
            value = float(value)
        except ValueError:
            raise InvalidValueError(f"--env {key}", value, accepted) from None
    if np.ndim(value) == 0 and not np.isfinite(value):
        raise InvalidValueError(f"--env {key}", value, accepted)
    arr = _patient_array(value, n, f"--env {key}")
    if np.any((arr < 0) | (arr > 1)):
        raise InvalidValueError(f"--env {key}", value, accepted)
    return arr


def _node_list(items: Sequence[str], model: CompiledModel, what: str) -> list[tuple[int, float]]:
    out = []
    for item in items:
        name, _, strength = item.partition(":")
        if name not in model.node_ids:
            raise UnknownNameError("node", name, model.node_ids, hint="docs/model.md (node table)")
        try:
            s = float(strength) if strength else 1.0
        except ValueError:
            raise InvalidValueError(
                what, item, "NODE or NODE:STRENGTH with STRENGTH in [0, 1]"
            ) from None
        if not 0.0 <= s <= 1.0:
            raise InvalidValueError(what, item, "NODE or NODE:STRENGTH with STRENGTH in [0, 1]")
        out.append((model.index(name), s))
    return out


def _alteration_overrides(
    strength: Mapping[str, ArrayLike] | None,
    memory: Mapping[str, ArrayLike] | None,
    data: NetworkData,
    n: int,
) -> dict[str, tuple[Array | None, Array | None]]:
    """Per-patient strength/memory arrays by alteration id of an ``alterations.yaml`` entry."""
    by_name = {a.notation.lower(): a.alteration for a in data.alterations.values()}
    out: dict[str, tuple[Array | None, Array | None]] = {}
    for which, given in ((0, strength or {}), (1, memory or {})):
        what = ("strength", "memory")[which]
        for key, value in given.items():
            alt = key if key in data.alterations else by_name.get(str(key).strip().lower())
            if alt is None:
                known = [*data.alterations, *(a.notation for a in data.alterations.values())]
                raise UnknownNameError(f"alteration ({what})", str(key), known)
            arr = _patient_array(value, n, f"{what} of {key!r}")
            if np.any((arr < 0) | (arr > 1)):
                raise InvalidValueError(f"{what} of {key!r}", value, "values in [0, 1]")
            pair = list(out.get(alt, (None, None)))
            pair[which] = arr
            out[alt] = (pair[0], pair[1])
    return out


def genotype_effects(text: str, data: NetworkData | None = None) -> list[tuple[Any, Any]]:
    """Each alteration of genotype `text` with its node effect (by its id or its parent's),
    or None where the network does not model it; [] for wild type.

    Examples
    --------
    >>> [(a.id, e.node) for a, e in genotype_effects("BRAF p.V600E")]
    [('ALT-001', 'BRAF_V600E')]
    """
    if not text:
        return []
    from rairlab.knowledge import parse_genotype

    data = data or load_network_data()
    return [
        (alt, data.alterations.get(alt.id) or data.alterations.get(alt.parent or ""))
        for alt in parse_genotype(text, _kb())
    ]


def boosted_exposures(
    resolved: Sequence[tuple[Any, AgentActions, Array]],
) -> dict[str, Array]:
    """Each given agent's exposure after the ``exposure`` actions of the agents given with it
    (e.g. an extracellular-vesicle carrier raising its cargo's exposure), by agent id."""
    exposure_of = {rec.id: np.array(e, dtype=float) for rec, _, e in resolved}
    for _rec, actions, e in resolved:
        for act in actions.actions:
            if act.mode == "exposure":
                for target in act.applies_to:
                    if target in exposure_of:
                        exposure_of[target] *= np.where(e > 0, act.factor, 1.0)
    return exposure_of


def _apply_genotype(
    model: CompiledModel,
    data: NetworkData,
    genotype: str | Sequence[str] | None,
    n: int,
    arrays: tuple[Array, Array],
    potency_factor: dict[str, Array],
    labels: list[dict[str, Any]],
    strength: Mapping[str, ArrayLike] | None,
    memory: Mapping[str, ArrayLike] | None,
) -> None:
    """Apply each patient's alterations in place: scale/bias of their node, the memory
    they leave on the slow dedifferentiation state, drug resistance; one label each."""
    scale, bias = arrays
    texts = [genotype] * n if genotype is None or isinstance(genotype, str) else list(genotype)
    if len(texts) != n:
        raise InvalidValueError("genotype", f"{len(texts)} texts", f"one text or {n} texts")
    if any(t for t in texts):
        overrides = _alteration_overrides(strength, memory, data, n)
        mem_col = model.index(data.memory_node)
        values, inverse = np.unique(np.asarray(texts, dtype=str), return_inverse=True)
        inverse = inverse.reshape(-1)
        unique = {str(t): inverse == i for i, t in enumerate(values) if t}
        for text, rows in unique.items():
            for alt, effect in genotype_effects(text, data):
                entry: dict[str, Any] = {"kind": "alteration", "name": alt.text, "id": alt.id}
                if effect is None:
                    entry["modelled"] = False
                    labels.append(entry)
                    continue
                col = model.index(effect.node)
                s_, m_ = overrides.get(effect.alteration, (None, None))
                st = effect.strength if s_ is None else s_[rows]
                if effect.effect == "gain":
                    bias[rows, col] = 1.0 - (1.0 - bias[rows, col]) * (1.0 - st)
                else:
                    scale[rows, col] *= 1.0 - st
                mem = effect.memory if m_ is None else m_[rows]
                bias[rows, mem_col] = 1.0 - (1.0 - bias[rows, mem_col]) * (1.0 - mem)
                for agent, factor in effect.resistance.items():
                    potency_factor.setdefault(agent, np.ones(n))[rows] *= factor
                entry.update(
                    node=effect.node, effect=effect.effect, interactions=list(effect.interactions)
                )
                if n > 1:
                    entry["patients"] = int(rows.sum())
                labels.append(entry)


def conditions(
    model: CompiledModel,
    n_patients: int = 1,
    *,
    genotype: str | Sequence[str] | None = None,
    drugs: Mapping[str, ArrayLike] | Sequence[tuple[str, ArrayLike]] | None = None,
    env: Mapping[str, Any] | None = None,
    tsh: str | float | None = None,
    knockout: Sequence[str] = (),
    overexpress: Sequence[str] = (),
    strength: Mapping[str, ArrayLike] | None = None,
    memory: Mapping[str, ArrayLike] | None = None,
    potency: Mapping[str, ArrayLike] | None = None,
    data: NetworkData | None = None,
) -> Conditions:
    """Per-patient perturbation arrays for `model`.

    Parameters
    ----------
    model
        The compiled model.
    n_patients
        Number of rows.
    genotype
        One genotype text for everyone (``"BRAF p.V600E; TERT c.-124C>T"``) or one per patient.
    drugs
        Agent name -> exposure (multiples of the standard exposure; scalar or (n_patients,)).
    env
        Environment key -> named level, number in [0, 1] or (n_patients,) array
        (keys in ``environment.yaml``: tsh, tgfb, hypoxia, glucose, adhesion, ...).
    tsh
        Shortcut for ``env["tsh"]``: suppressed, normal, withdrawal or rhTSH.
    knockout, overexpress
        Node ids (``"PIGU"``, ``"SMAD7:0.8"``) to null or to make constitutively active.
    strength, memory
        Per-patient values (scalar or (n_patients,), in [0, 1]) replacing the data's
        ``strength`` or ``memory`` of an alteration, keyed by alteration id (``ALT-001``)
        or by the notation of its entry in ``alterations.yaml`` (``BRAF p.V600E``). A
        variant falls back to its parent's key. Clonal fraction is not a cell parameter:
        mix the outputs of the clone and of the rest (``rairlab.network.mix_clones``).
    potency
        Agent name -> per-patient multiplier (> 0) of the drug's potency (its half-effect
        exposure): > 1 means a less sensitive patient.
    data
        Network data (default: shipped).

    Returns
    -------
    Conditions

    Raises
    ------
    UnknownNameError
        Unknown genotype, drug, environment key or node.
    InvalidValueError
        A value out of range, or an agent that acts on nothing in the network.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> m = compile_model()
    >>> c = conditions(m, 2, genotype="BRAF p.V600E", drugs={"dabrafenib": [1.0, 0.0]})
    >>> c.scale[:, m.index("BRAF")].round(3).tolist()
    [0.208, 1.0]
    """
    data = data or load_network_data()
    n = int(n_patients)
    if n < 1:
        raise InvalidValueError("n_patients", n_patients, "an integer >= 1")
    N = model.n_nodes
    scale = np.ones((n, N))
    bias = np.broadcast_to(model.basal, (n, N)).copy()
    clamp_mask = np.broadcast_to(model.is_input, (n, N)).copy()
    clamp_value = np.zeros((n, N))
    labels: list[dict[str, Any]] = []
    pulses: list[Pulse] = []
    potency_factor: dict[str, Array] = {}

    env = dict(env or {})
    if tsh is not None:
        env["tsh"] = tsh
    for key in env:
        if key not in data.environment:
            raise UnknownNameError("environment key", key, data.environment)
    for key, spec in data.environment.items():
        value = env.get(key, spec.default)
        col = model.index(spec.node)
        v = _level(key, value, spec.levels, n)
        if spec.mode == "input":
            clamp_value[:, col] = v
        else:
            bias[:, col] = 1.0 - (1.0 - bias[:, col]) * (1.0 - v)
        if key in env:
            labels.append({"kind": "environment", "name": key, "value": value, "node": spec.node})

    _apply_genotype(
        model, data, genotype, n, (scale, bias), potency_factor, labels, strength, memory
    )

    items = list(drugs.items()) if isinstance(drugs, Mapping) else list(drugs or [])
    resolved = []
    for name, exposure in items:
        record, actions = _resolve_agent(name, data)
        resolved.append((record, actions, _patient_array(exposure, n, f"exposure of {name!r}")))
    exposure_of = boosted_exposures(resolved)
    for name, value in (potency or {}).items():
        rec, _ = _resolve_agent(name, data)
        arr = _patient_array(value, n, f"potency of {name!r}")
        if np.any(arr <= 0):
            raise InvalidValueError(f"potency of {name!r}", value, "multipliers > 0")
        potency_factor[rec.id] = potency_factor.get(rec.id, np.ones(n)) * arr
    for rec, actions, _ in resolved:
        e = exposure_of[rec.id]
        nodes = []
        for act in actions.actions:
            if act.mode == "exposure":
                continue
            pf = potency_factor.get(rec.id, 1.0)
            h = drug_effect(e, act.potency * pf, act.emax, act.hill)
            col = model.index(act.node or "")
            if act.mode == "inhibit":
                scale[:, col] *= 1.0 - h
            elif act.mode == "activate":
                bias[:, col] = 1.0 - (1.0 - bias[:, col]) * (1.0 - h)
            else:
                pulses.append(Pulse(col, h, act.rise_h, act.fade_h, rec.name))
            nodes.append(
                {"node": act.node, "mode": act.mode, "interactions": list(act.interactions)}
            )
        entry = {"kind": "drug", "name": rec.name, "id": rec.id, "actions": nodes}
        entry["exposure"] = float(e[0]) if n == 1 else None
        labels.append(entry)

    for col, s in _node_list(knockout, model, "--knockout"):
        scale[:, col] *= 1.0 - s
        labels.append({"kind": "knockout", "name": model.node_ids[col], "strength": s})
    for col, s in _node_list(overexpress, model, "--overexpress"):
        bias[:, col] = 1.0 - (1.0 - bias[:, col]) * (1.0 - s)
        labels.append({"kind": "overexpress", "name": model.node_ids[col], "strength": s})

    return Conditions(
        clamp_mask=clamp_mask,
        clamp_value=clamp_value,
        scale=np.clip(scale, 0.0, 1.0),
        bias=np.clip(bias, 0.0, 1.0),
        pulses=tuple(pulses),
        labels=tuple(labels),
    )
