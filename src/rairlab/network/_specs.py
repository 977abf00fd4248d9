"""The network's data as frozen records: nodes, variants, drug actions, alterations, environment.

:mod:`rairlab.network._data` reads and checks the YAML files into these records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rairlab.network._rules import Expr

__all__ = [
    "AgentActions",
    "AlterationEffect",
    "DrugAction",
    "EnvironmentKey",
    "NetworkData",
    "NodeSpec",
    "VariantOption",
    "VariantSwitch",
]


@dataclass(frozen=True)
class NodeSpec:
    """One node: id, kind, meaning, rule (``None`` for inputs) and the interactions it encodes."""

    id: str
    kind: str
    name: str
    rule_text: str | None
    rule: Expr | None
    interactions: tuple[str, ...]
    assumption: str | None
    line: int | None


@dataclass(frozen=True)
class VariantOption:
    """One option of a variant switch: the rules it replaces."""

    name: str
    switch: str
    summary: str
    interactions: tuple[str, ...]
    rules: Mapping[str, Expr]
    rule_texts: Mapping[str, str]


@dataclass(frozen=True)
class VariantSwitch:
    """A conflict of the review turned into a named model switch."""

    name: str
    question: str
    default: str
    conflict: tuple[str, ...]
    options: Mapping[str, VariantOption]
    rationale: str = ""


@dataclass(frozen=True)
class DrugAction:
    """How an agent acts on one node (or, mode ``exposure``, on other agents' exposure)."""

    mode: str
    node: str | None
    potency: float
    emax: float
    hill: float
    interactions: tuple[str, ...]
    rise_h: float = 0.0
    fade_h: float = 0.0
    factor: float = 1.0
    applies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentActions:
    """The modelled actions of one knowledge-base agent."""

    agent: str
    name: str
    aliases: tuple[str, ...]
    actions: tuple[DrugAction, ...]


@dataclass(frozen=True)
class AlterationEffect:
    """The node effect of a knowledge-base alteration."""

    alteration: str
    notation: str
    node: str
    effect: str
    strength: float
    interactions: tuple[str, ...]
    resistance: Mapping[str, float] = field(default_factory=dict)
    memory: float = 0.0


@dataclass(frozen=True)
class EnvironmentKey:
    """One ``--env`` key (or ``--tsh``): the node it sets and its named levels."""

    key: str
    node: str
    mode: str
    default: str
    levels: Mapping[str, float]
    interactions: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class NetworkData:
    """Everything in the network's data folder, checked."""

    nodes: tuple[NodeSpec, ...]
    k_default: float
    n_default: float
    k_relay: float
    n_relay: float
    edge_params: Mapping[tuple[str, str], tuple[float, float]]
    max_effect_default: float
    edge_max_effect: Mapping[tuple[str, str], float]
    memory_node: str
    tau: Mapping[str, float]
    basal: Mapping[str, float]
    switches: tuple[VariantSwitch, ...]
    agents: tuple[AgentActions, ...]
    alterations: Mapping[str, AlterationEffect]
    environment: Mapping[str, EnvironmentKey]
    directory: Path

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Node ids in file order."""
        return tuple(n.id for n in self.nodes)
