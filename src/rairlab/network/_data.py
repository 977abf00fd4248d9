"""The network as data: reading and checking the YAML files of ``rairlab/network/data``.

One function, :func:`load_network_data`, reads ``network.yaml`` (nodes and rules),
``parameters.yaml`` (Hill k and n, tau, basal activity), ``variants.yaml``,
``drug_actions.yaml``, ``alterations.yaml`` and ``environment.yaml`` into frozen
records. Any problem (unknown node, rule syntax error, duplicate rule, missing
field) raises one :class:`~rairlab.errors.DataFileError` naming the file and line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rairlab._cited import PROVENANCES, line_of, read_yaml
from rairlab.errors import DataFileError
from rairlab.network._rules import Expr, RuleSyntaxError, parse_rule, variables
from rairlab.network._specs import (
    AgentActions,
    AlterationEffect,
    DrugAction,
    EnvironmentKey,
    NetworkData,
    NodeSpec,
    VariantOption,
    VariantSwitch,
)

__all__ = ["DATA_DIR", "load_network_data"]

DATA_DIR = Path(__file__).parent / "data"
NODE_KINDS = ("input", "gene", "protein", "complex", "process", "output")
_INT_ID = re.compile(r"^INT-\d{3}$")
_DRG_ID = re.compile(r"^DRG-\d{3}$")
_ALT_ID = re.compile(r"^ALT-\d{3}$")


class _Reader:
    """Field access with errors that name the file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, problem: str, record: Any = None, key: str | None = None) -> DataFileError:
        return DataFileError(self.path, problem, line_of(record, key))

    def get(self, record: Any, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if not isinstance(record, dict):
            raise self.fail(f"expected a mapping, got {type(record).__name__}", record)
        if key not in record:
            if default is ...:
                raise self.fail(f"missing field {key!r}", record)
            return default
        value = record[key]
        if isinstance(kind, tuple) and float in kind and isinstance(value, int):
            value = float(value)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind):
            raise self.fail(
                f"field {key!r} has the wrong type ({type(value).__name__})", record, key
            )
        return value

    def ids(self, record: Any, key: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
        values = self.get(record, key, list, [])
        for v in values:
            if not isinstance(v, str) or not pattern.match(v):
                raise self.fail(f"bad id {v!r} in {key!r}", record, key)
        return tuple(values)

    def rule(self, text: Any, record: Any, key: str, known: Mapping[str, Any], owner: str) -> Expr:
        if not isinstance(text, str | int):
            raise self.fail(f"rule of {owner!r} must be text", record, key)
        try:
            expr = parse_rule(str(text))
        except RuleSyntaxError as exc:
            raise self.fail(f"syntax error in the rule of {owner!r}: {exc}", record, key) from exc
        for name in variables(expr):
            if name not in known:
                raise self.fail(f"rule of {owner!r} names unknown node {name!r}", record, key)
            if name == owner:
                raise self.fail(f"rule of {owner!r} names the node itself", record, key)
        return expr

    def provenance(self, record: Any) -> None:
        prov = self.get(record, "provenance", str)
        if prov not in PROVENANCES:
            raise self.fail(
                f"provenance {prov!r} is not one of {', '.join(PROVENANCES)}", record, "provenance"
            )


def _read_nodes(path: Path) -> tuple[NodeSpec, ...]:
    r = _Reader(path)
    doc = read_yaml(path)
    raw = r.get(doc, "nodes", list)
    known: dict[str, Any] = {}
    for rec in raw:
        node_id = r.get(rec, "id", str)
        if node_id in known:
            raise r.fail(f"duplicate rule: node {node_id!r} is defined twice", rec, "id")
        known[node_id] = rec
    nodes = []
    for rec in raw:
        node_id = rec["id"]
        kind = r.get(rec, "kind", str)
        if kind not in NODE_KINDS:
            raise r.fail(f"kind {kind!r} of {node_id!r} is not one of {NODE_KINDS}", rec, "kind")
        text = rec.get("rule")
        if kind == "input":
            if text is not None:
                raise r.fail(f"input node {node_id!r} must not have a rule", rec, "rule")
            expr = None
        else:
            if text is None:
                raise r.fail(f"node {node_id!r} has no rule", rec)
            expr = r.rule(text, rec, "rule", known, node_id)
        nodes.append(
            NodeSpec(
                id=node_id,
                kind=kind,
                name=r.get(rec, "name", str),
                rule_text=None if text is None else str(text),
                rule=expr,
                interactions=r.ids(rec, "interactions", _INT_ID),
                assumption=r.get(rec, "assumption", str, None),
                line=line_of(rec),
            )
        )
    return tuple(nodes)


def _read_parameters(path: Path, nodes: Mapping[str, NodeSpec]) -> dict[str, Any]:
    r = _Reader(path)
    doc = read_yaml(path)
    defaults = r.get(doc, "edge_defaults", dict)
    k0 = r.get(r.get(defaults, "k", dict), "value", float)
    n0 = r.get(r.get(defaults, "n", dict), "value", float)
    relay = r.get(doc, "relay_defaults", dict)
    k_relay = r.get(r.get(relay, "k", dict), "value", float)
    n_relay = r.get(r.get(relay, "n", dict), "value", float)
    m0 = r.get(r.get(defaults, "max_effect", dict), "value", float)
    edge_params: dict[tuple[str, str], tuple[float, float]] = {}
    edge_max: dict[tuple[str, str], float] = {}
    edges = r.get(doc, "edges", dict, {})
    for key, rec in edges.items():
        parts = [p.strip() for p in str(key).split("->")]
        if len(parts) != 2:
            raise r.fail(f"edge key {key!r} must read 'SOURCE -> TARGET'", edges, key)
        src, tgt = parts
        node = nodes.get(tgt)
        if node is None or node.rule is None or src not in variables(node.rule):
            raise r.fail(f"edge {key!r} is not an edge of the network", edges, key)
        r.provenance(rec)
        edge_params[(src, tgt)] = (r.get(rec, "k", float, k0), r.get(rec, "n", float, n0))
        if "max_effect" in rec:
            m = r.get(rec, "max_effect", float)
            if not 0.0 < m <= 1.0:
                raise r.fail(f"max_effect of edge {key!r} must lie in (0, 1]", rec, "max_effect")
            edge_max[(src, tgt)] = m
        if "k" not in rec and "n" not in rec:
            del edge_params[(src, tgt)]
    by_kind = r.get(doc, "tau_by_kind", dict)
    tau: dict[str, float] = {}
    basal: dict[str, float] = {}
    per_node = r.get(doc, "nodes", dict, {})
    for name, rec in per_node.items():
        if name not in nodes:
            raise r.fail(f"parameters for unknown node {name!r}", per_node, name)
        r.provenance(rec)
    for node in nodes.values():
        kind_rec = by_kind.get(node.kind)
        if kind_rec is None:
            raise r.fail(f"no tau_by_kind entry for kind {node.kind!r}", by_kind)
        rec = per_node.get(node.id, {})
        tau[node.id] = r.get(rec, "tau", float, r.get(kind_rec, "value", float))
        basal[node.id] = r.get(rec, "basal", float, 0.0)
        if tau[node.id] <= 0 or not 0.0 <= basal[node.id] <= 1.0:
            raise r.fail(f"tau must be > 0 and basal in [0, 1] for {node.id!r}", rec)
    for key, (k, n) in edge_params.items():
        if k <= 0 or n <= 0:
            raise r.fail(f"k and n of edge {key} must be positive", edges)
    if not 0.0 < m0 <= 1.0:
        raise r.fail("edge_defaults.max_effect must lie in (0, 1]", defaults, "max_effect")
    memory_node = r.get(doc, "memory_node", str)
    if memory_node not in nodes:
        raise r.fail(f"memory_node {memory_node!r} is no node", doc, "memory_node")
    return {
        "max_effect_default": m0,
        "edge_max_effect": edge_max,
        "memory_node": memory_node,
        "k_default": k0,
        "n_default": n0,
        "k_relay": k_relay,
        "n_relay": n_relay,
        "edge_params": edge_params,
        "tau": tau,
        "basal": basal,
    }


def _read_variants(path: Path, nodes: Mapping[str, NodeSpec]) -> tuple[VariantSwitch, ...]:
    r = _Reader(path)
    doc = read_yaml(path)
    switches = []
    seen: set[str] = set()
    for rec in doc:
        name = r.get(rec, "switch", str)
        options: dict[str, VariantOption] = {}
        for opt in r.get(rec, "options", list):
            oname = r.get(opt, "name", str)
            if oname in seen:
                raise r.fail(f"variant option {oname!r} is defined twice", opt, "name")
            seen.add(oname)
            rules_rec = r.get(opt, "rules", dict, {})
            rules: dict[str, Expr] = {}
            for node_id, text in rules_rec.items():
                node = nodes.get(node_id)
                if node is None or node.rule is None:
                    raise r.fail(
                        f"variant {oname!r} replaces the rule of unknown node {node_id!r}",
                        rules_rec,
                        node_id,
                    )
                rules[node_id] = r.rule(text, rules_rec, node_id, nodes, node_id)
            options[oname] = VariantOption(
                name=oname,
                switch=name,
                summary=r.get(opt, "summary", str),
                interactions=r.ids(opt, "interactions", _INT_ID),
                rules=rules,
                rule_texts={k: str(v) for k, v in rules_rec.items()},
            )
        default = r.get(rec, "default", str)
        if default not in options:
            raise r.fail(
                f"default {default!r} of switch {name!r} is not one of its options", rec, "default"
            )
        if options[default].rules:
            raise r.fail(f"default option {default!r} must not replace rules", rec, "default")
        switches.append(
            VariantSwitch(
                name=name,
                question=r.get(rec, "question", str),
                default=default,
                conflict=r.ids(rec, "conflict", _INT_ID),
                options=options,
                rationale=r.get(rec, "rationale", str),
            )
        )
    return tuple(switches)


def _read_agents(path: Path, nodes: Mapping[str, NodeSpec]) -> tuple[AgentActions, ...]:
    r = _Reader(path)
    doc = read_yaml(path)
    d = r.get(doc, "defaults", dict)
    defaults = {k: r.get(r.get(d, k, dict), "value", float) for k in ("potency", "emax", "hill")}
    out = []
    seen: set[str] = set()
    for rec in r.get(doc, "agents", list):
        agent = r.get(rec, "agent", str)
        if not _DRG_ID.match(agent) or agent in seen:
            raise r.fail(f"bad or duplicate agent id {agent!r}", rec, "agent")
        seen.add(agent)
        r.provenance(rec)
        actions = []
        for act in r.get(rec, "actions", list):
            mode = r.get(act, "mode", str)
            if mode not in ("inhibit", "activate", "pulse", "exposure"):
                raise r.fail(f"unknown mode {mode!r}", act, "mode")
            node = r.get(act, "node", str, None)
            if mode != "exposure" and node not in nodes:
                raise r.fail(f"agent {agent} acts on unknown node {node!r}", act, "node")
            action = DrugAction(
                mode=mode,
                node=node,
                potency=r.get(act, "potency", float, defaults["potency"]),
                emax=r.get(act, "emax", float, defaults["emax"]),
                hill=r.get(act, "hill", float, defaults["hill"]),
                interactions=r.ids(act, "interactions", _INT_ID),
                rise_h=r.get(act, "rise_h", float, 0.0),
                fade_h=r.get(act, "fade_h", float, 0.0),
                factor=r.get(act, "factor", float, 1.0),
                applies_to=r.ids(act, "applies_to", _DRG_ID),
            )
            if action.potency <= 0 or not 0 <= action.emax <= 1 or action.hill <= 0:
                raise r.fail("potency and hill must be > 0 and emax in [0, 1]", act)
            if mode == "pulse" and not 0 < action.rise_h < action.fade_h:
                raise r.fail("a pulse needs 0 < rise_h < fade_h", act)
            actions.append(action)
        aliases = tuple(str(a).lower() for a in r.get(rec, "aliases", list, []))
        out.append(AgentActions(agent, r.get(rec, "name", str).lower(), aliases, tuple(actions)))
    return tuple(out)


def _read_alterations(path: Path, nodes: Mapping[str, NodeSpec]) -> dict[str, AlterationEffect]:
    r = _Reader(path)
    out: dict[str, AlterationEffect] = {}
    for rec in read_yaml(path):
        alt = r.get(rec, "alteration", str)
        if not _ALT_ID.match(alt) or alt in out:
            raise r.fail(f"bad or duplicate alteration id {alt!r}", rec, "alteration")
        node = r.get(rec, "node", str)
        if node not in nodes:
            raise r.fail(f"alteration {alt} acts on unknown node {node!r}", rec, "node")
        effect = r.get(rec, "effect", str)
        if effect not in ("gain", "loss"):
            raise r.fail(f"effect {effect!r} must be gain or loss", rec, "effect")
        r.provenance(rec)
        resistance: dict[str, float] = {}
        for res in r.get(rec, "resistance", list, []):
            for agent in r.ids(res, "agents", _DRG_ID):
                resistance[agent] = r.get(res, "potency_factor", float)
        out[alt] = AlterationEffect(
            alteration=alt,
            notation=r.get(rec, "notation", str),
            node=node,
            effect=effect,
            strength=r.get(rec, "strength", float),
            interactions=r.ids(rec, "interactions", _INT_ID),
            resistance=resistance,
            memory=r.get(rec, "memory", float, 0.0),
        )
        if not 0.0 <= out[alt].strength <= 1.0 or not 0.0 <= out[alt].memory <= 1.0:
            raise r.fail(f"strength and memory of {alt} must lie in [0, 1]", rec)
    return out


def _read_environment(path: Path, nodes: Mapping[str, NodeSpec]) -> dict[str, EnvironmentKey]:
    r = _Reader(path)
    out: dict[str, EnvironmentKey] = {}
    for rec in read_yaml(path):
        key = r.get(rec, "key", str)
        node = r.get(rec, "node", str)
        mode = r.get(rec, "mode", str)
        if node not in nodes or (mode == "input") != (nodes[node].kind == "input"):
            raise r.fail(
                f"environment key {key!r}: node {node!r} unknown or of the wrong kind", rec, "node"
            )
        if mode not in ("input", "bias"):
            raise r.fail(f"mode {mode!r} must be input or bias", rec, "mode")
        levels = {str(k): float(v) for k, v in r.get(rec, "levels", dict).items()}
        if any(not 0.0 <= v <= 1.0 for v in levels.values()):
            raise r.fail(f"levels of {key!r} must lie in [0, 1]", rec, "levels")
        default = r.get(rec, "default", str)
        if default not in levels:
            raise r.fail(f"default {default!r} of {key!r} is not a level", rec, "default")
        r.provenance(rec)
        out[key] = EnvironmentKey(
            key, node, mode, default, levels, r.ids(rec, "interactions", _INT_ID), rec.get("note")
        )
    return out


def load_network_data(directory: str | Path | None = None) -> NetworkData:
    """Read and check the network's data files.

    Parameters
    ----------
    directory
        A folder with the six data files; default: the shipped ``rairlab/network/data``.

    Returns
    -------
    NetworkData
        The checked records (cached per folder).

    Raises
    ------
    DataFileError
        The first problem found, naming the file and line.

    Examples
    --------
    >>> data = load_network_data()
    >>> "NIS_membrane" in data.node_ids
    True
    """
    return _load(Path(directory) if directory is not None else DATA_DIR)


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> NetworkData:
    nodes = _read_nodes(directory / "network.yaml")
    by_id = {n.id: n for n in nodes}
    params = _read_parameters(directory / "parameters.yaml", by_id)
    env = _read_environment(directory / "environment.yaml", by_id)
    inputs = {n.id for n in nodes if n.kind == "input"}
    missing = inputs - {e.node for e in env.values()}
    if missing:
        raise DataFileError(
            directory / "environment.yaml", f"no key sets input node(s) {sorted(missing)}"
        )
    return NetworkData(
        nodes=nodes,
        switches=_read_variants(directory / "variants.yaml", by_id),
        agents=_read_agents(directory / "drug_actions.yaml", by_id),
        alterations=_read_alterations(directory / "alterations.yaml", by_id),
        environment=env,
        directory=directory,
        **params,
    )
