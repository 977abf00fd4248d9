"""Perturbations: genotype, environment, TSH state and drugs turned into per-patient `Conditions`.

Genotype text is parsed by :func:`rairlab.knowledge.parse_genotype`; drug names are
resolved by the knowledge base (``kb.agent``). Their effects on network nodes are
data: ``alterations.yaml``, ``drug_actions.yaml``, ``environment.yaml``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.network._compiled import CompiledModel, Conditions, Pulse
from rairlab.network._data import load_network_data
from rairlab.network._specs import AgentActions, NetworkData

if TYPE_CHECKING:
    from rairlab.knowledge import KnowledgeBase

__all__ = ["conditions", "drug_effect", "modelled_agents"]

Array = NDArray[np.float64]


@functools.lru_cache(maxsize=1)
def _shipped_kb() -> KnowledgeBase:
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


def _resolve_agent(
    name: str, data: NetworkData, kb: KnowledgeBase | None = None
) -> tuple[Any, AgentActions]:
    kb = kb if kb is not None else _shipped_kb()
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


def genotype_effects(
    text: str, data: NetworkData | None = None, kb: KnowledgeBase | None = None
) -> list[tuple[Any, Any]]:
    """Each alteration of genotype `text` with its node effect (by its id or its parent's),
    or None where the network does not model it; [] for wild type. `kb` reads the text
    (default: the shipped knowledge base).

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
        for alt in parse_genotype(text, kb if kb is not None else _shipped_kb())
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


@dataclass
class _Perturbation:
    """The per-patient arrays of `Conditions` while perturbations are applied to them,
    shape (n_patients, n_nodes), with one label per applied perturbation."""

    scale: Array
    bias: Array
    clamp_mask: NDArray[np.bool_]
    clamp_value: Array
    labels: list[dict[str, Any]] = field(default_factory=list)
    pulses: list[Pulse] = field(default_factory=list)
    potency_factor: dict[str, Array] = field(default_factory=dict)

    @classmethod
    def neutral(cls, model: CompiledModel, n: int) -> _Perturbation:
        """No perturbation: the model's basal activities, inputs clamped at 0."""
        shape = (n, model.n_nodes)
        return cls(
            scale=np.ones(shape),
            bias=np.broadcast_to(model.basal, shape).copy(),
            clamp_mask=np.broadcast_to(model.is_input, shape).copy(),
            clamp_value=np.zeros(shape),
        )

    @property
    def n_patients(self) -> int:
        return int(self.scale.shape[0])

    def inhibit(self, rows: Any, col: int, h: Any) -> None:
        """Scale node `col` of `rows` by 1 - h."""
        self.scale[rows, col] *= 1.0 - h

    def activate(self, rows: Any, col: int, h: Any) -> None:
        """Raise the bias of node `col` of `rows`: 1 - (1 - bias)(1 - h)."""
        self.bias[rows, col] = 1.0 - (1.0 - self.bias[rows, col]) * (1.0 - h)

    def conditions(self) -> Conditions:
        """The final `Conditions`, scale and bias clipped to [0, 1]."""
        return Conditions(
            clamp_mask=self.clamp_mask,
            clamp_value=self.clamp_value,
            scale=np.clip(self.scale, 0.0, 1.0),
            bias=np.clip(self.bias, 0.0, 1.0),
            pulses=tuple(self.pulses),
            labels=tuple(self.labels),
        )


def _apply_environment(
    model: CompiledModel,
    data: NetworkData,
    env: Mapping[str, Any] | None,
    tsh: str | float | None,
    state: _Perturbation,
) -> None:
    """Set every environment node (the data's default where `env` gives none): clamp an
    input, raise the bias of another; a label for each key given."""
    env = dict(env or {})
    if tsh is not None:
        env["tsh"] = tsh
    for key in env:
        if key not in data.environment:
            raise UnknownNameError("environment key", key, data.environment)
    n = state.n_patients
    for key, spec in data.environment.items():
        value = env.get(key, spec.default)
        col = model.index(spec.node)
        v = _level(key, value, spec.levels, n)
        if spec.mode == "input":
            state.clamp_value[:, col] = v
        else:
            state.activate(slice(None), col, v)
        if key in env:
            state.labels.append(
                {"kind": "environment", "name": key, "value": value, "node": spec.node}
            )


def _genotype_rows(genotype: str | Sequence[str] | None, n: int) -> dict[str, NDArray[np.bool_]]:
    """Each distinct non-empty genotype text with the mask of the patients who have it."""
    texts = [genotype] * n if genotype is None or isinstance(genotype, str) else list(genotype)
    if len(texts) != n:
        raise InvalidValueError("genotype", f"{len(texts)} texts", f"one text or {n} texts")
    if not any(t for t in texts):
        return {}
    values, inverse = np.unique(np.asarray(texts, dtype=str), return_inverse=True)
    inverse = inverse.reshape(-1)
    return {str(t): inverse == i for i, t in enumerate(values) if t}


def _apply_alteration(
    model: CompiledModel,
    effect: Any,
    rows: NDArray[np.bool_],
    override: tuple[Array | None, Array | None],
    mem_col: int,
    state: _Perturbation,
) -> None:
    """One modelled alteration of the patients in `rows`: scale/bias of its node, the
    memory it leaves on the slow dedifferentiation state, drug resistance."""
    col = model.index(effect.node)
    s_, m_ = override
    st = effect.strength if s_ is None else s_[rows]
    if effect.effect == "gain":
        state.activate(rows, col, st)
    else:
        state.inhibit(rows, col, st)
    mem = effect.memory if m_ is None else m_[rows]
    state.activate(rows, mem_col, mem)
    n = state.n_patients
    for agent, factor in effect.resistance.items():
        state.potency_factor.setdefault(agent, np.ones(n))[rows] *= factor


def _apply_genotype(
    model: CompiledModel,
    data: NetworkData,
    genotype: str | Sequence[str] | None,
    strength: Mapping[str, ArrayLike] | None,
    memory: Mapping[str, ArrayLike] | None,
    kb: KnowledgeBase | None,
    state: _Perturbation,
) -> None:
    """Apply each patient's alterations in place; one label each."""
    n = state.n_patients
    unique = _genotype_rows(genotype, n)
    if not unique:
        return
    overrides = _alteration_overrides(strength, memory, data, n)
    mem_col = model.index(data.memory_node)
    for text, rows in unique.items():
        for alt, effect in genotype_effects(text, data, kb):
            entry: dict[str, Any] = {"kind": "alteration", "name": alt.text, "id": alt.id}
            if effect is None:
                entry["modelled"] = False
                state.labels.append(entry)
                continue
            override = overrides.get(effect.alteration, (None, None))
            _apply_alteration(model, effect, rows, override, mem_col, state)
            entry.update(
                node=effect.node, effect=effect.effect, interactions=list(effect.interactions)
            )
            if n > 1:
                entry["patients"] = int(rows.sum())
            state.labels.append(entry)


def _resolve_drugs(
    drugs: Mapping[str, ArrayLike] | Sequence[tuple[str, ArrayLike]] | None,
    data: NetworkData,
    n: int,
    kb: KnowledgeBase | None,
) -> list[tuple[Any, AgentActions, Array]]:
    """(agent record, its actions, per-patient exposure) of each given drug, in order."""
    items = list(drugs.items()) if isinstance(drugs, Mapping) else list(drugs or [])
    resolved = []
    for name, exposure in items:
        record, actions = _resolve_agent(name, data, kb)
        resolved.append((record, actions, _patient_array(exposure, n, f"exposure of {name!r}")))
    return resolved


def _apply_potency(
    potency: Mapping[str, ArrayLike] | None,
    data: NetworkData,
    kb: KnowledgeBase | None,
    state: _Perturbation,
) -> None:
    """Multiply each named agent's potency factor by the given per-patient multipliers."""
    n = state.n_patients
    for name, value in (potency or {}).items():
        rec, _ = _resolve_agent(name, data, kb)
        arr = _patient_array(value, n, f"potency of {name!r}")
        if np.any(arr <= 0):
            raise InvalidValueError(f"potency of {name!r}", value, "multipliers > 0")
        state.potency_factor[rec.id] = state.potency_factor.get(rec.id, np.ones(n)) * arr


def _apply_drug(
    model: CompiledModel, record: Any, actions: AgentActions, exposure: Array, state: _Perturbation
) -> None:
    """The actions of one agent at `exposure` (inhibit, activate or pulse a node); a label."""
    nodes = []
    for act in actions.actions:
        if act.mode == "exposure":
            continue
        pf = state.potency_factor.get(record.id, 1.0)
        h = drug_effect(exposure, act.potency * pf, act.emax, act.hill)
        col = model.index(act.node or "")
        if act.mode == "inhibit":
            state.inhibit(slice(None), col, h)
        elif act.mode == "activate":
            state.activate(slice(None), col, h)
        else:
            state.pulses.append(Pulse(col, h, act.rise_h, act.fade_h, record.name))
        nodes.append({"node": act.node, "mode": act.mode, "interactions": list(act.interactions)})
    entry = {"kind": "drug", "name": record.name, "id": record.id, "actions": nodes}
    entry["exposure"] = float(exposure[0]) if state.n_patients == 1 else None
    state.labels.append(entry)


def _apply_nodes(
    model: CompiledModel,
    knockout: Sequence[str],
    overexpress: Sequence[str],
    state: _Perturbation,
) -> None:
    """Null the knocked-out nodes, then make the overexpressed ones active; a label each."""
    for col, s in _node_list(knockout, model, "--knockout"):
        state.inhibit(slice(None), col, s)
        state.labels.append({"kind": "knockout", "name": model.node_ids[col], "strength": s})
    for col, s in _node_list(overexpress, model, "--overexpress"):
        state.activate(slice(None), col, s)
        state.labels.append({"kind": "overexpress", "name": model.node_ids[col], "strength": s})


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
    kb: KnowledgeBase | None = None,
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
    kb
        Knowledge base that reads genotypes and drug names (default: shipped).

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
    state = _Perturbation.neutral(model, n)
    _apply_environment(model, data, env, tsh, state)
    _apply_genotype(model, data, genotype, strength, memory, kb, state)
    resolved = _resolve_drugs(drugs, data, n, kb)
    exposure_of = boosted_exposures(resolved)
    _apply_potency(potency, data, kb, state)
    for record, actions, _ in resolved:
        _apply_drug(model, record, actions, exposure_of[record.id], state)
    _apply_nodes(model, knockout, overexpress, state)
    return state.conditions()
