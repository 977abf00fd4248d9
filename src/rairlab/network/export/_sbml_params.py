"""The parameters of the SBML ODE export, and how one patient's `Conditions` set them.

One exported SBML file serves every patient: the model's kinetic constants
(per-edge Hill ``k`` and ``n``, per-node ``tau``) and every per-patient
perturbation of :class:`~rairlab.network.Conditions` are global parameters.
Setting them (and the species' initial concentrations) reproduces a rairlab
patient in any SBML simulator.

Parameter ids (``<node>``, ``<src>``, ``<tgt>`` are node ids)::

    tau_<node>                 time constant (h)
    k_<src>__<tgt>, n_<src>__<tgt>   Hill threshold and exponent of the edge src -> tgt
    m_<src>__<tgt>             maximal effect of the edge (its leaf is m f~ if inhibitory,
                               1 - m + m f~ if activating)
    clamp_<node>               1 = the node is clamped (inputs always), 0 = its rule acts
    clampval_<node>            the clamped activity
    scale_<node>               s (loss of function, inhibiting drugs); 1 = untouched
    bias_<node>                g (basal activity, gain of function, activating drugs)
    pulse<j>_amp_<node>        amplitude of transient exogenous activity j (EV-NIS), 0 = none
    pulse<j>_rise_<node>, pulse<j>_fade_<node>   its time constants (h)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rairlab.errors import InvalidValueError
from rairlab.network._compiled import CompiledModel, Conditions, edge_parameters, node_tau
from rairlab.network._data import load_network_data
from rairlab.network._specs import NetworkData

__all__ = ["ParameterLayout", "parameter_layout", "sbml_parameter_table", "sbml_parameters"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ParameterLayout:
    """Names of the SBML parameters of a compiled model.

    Attributes
    ----------
    tau
        ``tau_<node>`` per node, shape (N,).
    k, n, m
        ``k_<src>__<tgt>``, ``n_<src>__<tgt>`` and ``m_<src>__<tgt>`` per edge, shape (E,).
    clamp, clampval, scale, bias
        Perturbation parameters per node, shape (N,).
    pulses
        Per pulse slot: (node index, j, default rise_h, default fade_h).
    """

    tau: tuple[str, ...]
    k: tuple[str, ...]
    n: tuple[str, ...]
    m: tuple[str, ...]
    clamp: tuple[str, ...]
    clampval: tuple[str, ...]
    scale: tuple[str, ...]
    bias: tuple[str, ...]
    pulses: tuple[tuple[int, int, float, float], ...]

    def pulse_ids(self, slot: int) -> tuple[str, str, str]:
        """The (amplitude, rise, fade) parameter ids of pulse slot `slot`."""
        node, j, _, _ = self.pulses[slot]
        name = self.node_ids[node]
        return f"pulse{j}_amp_{name}", f"pulse{j}_rise_{name}", f"pulse{j}_fade_{name}"

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Node ids recovered from ``tau_<node>``."""
        return tuple(t[len("tau_") :] for t in self.tau)

    def perturbation_ids(self) -> list[str]:
        """Every parameter a patient sets, in the column order of `sbml_parameter_table`."""
        ids = [*self.clamp, *self.clampval, *self.scale, *self.bias]
        for slot in range(len(self.pulses)):
            ids.extend(self.pulse_ids(slot))
        return ids


def parameter_layout(model: CompiledModel, data: NetworkData | None = None) -> ParameterLayout:
    """The SBML parameter names of `model`; pulse slots come from the drug actions in `data`.

    A node gets as many pulse slots as the data have ``pulse`` actions on it.

    Examples
    --------
    >>> from rairlab.network import compile_model
    >>> lay = parameter_layout(compile_model())
    >>> lay.tau[0], lay.k[0]
    ('tau_TSH', 'k_PAX8__TSHR')
    """
    data = data or load_network_data()
    ids = model.node_ids
    per_node: dict[int, list[tuple[float, float]]] = {}
    for agent in data.agents:
        for act in agent.actions:
            if act.mode == "pulse" and act.node in ids:
                per_node.setdefault(model.index(act.node), []).append((act.rise_h, act.fade_h))
    pulses = tuple(
        (node, j + 1, rise, fade)
        for node in sorted(per_node)
        for j, (rise, fade) in enumerate(per_node[node])
    )
    src = [ids[s] for s in model.edge_src]
    tgt = [ids[t] for t in model.edge_tgt]
    return ParameterLayout(
        tau=tuple(f"tau_{i}" for i in ids),
        k=tuple(f"k_{s}__{t}" for s, t in zip(src, tgt, strict=True)),
        n=tuple(f"n_{s}__{t}" for s, t in zip(src, tgt, strict=True)),
        m=tuple(f"m_{s}__{t}" for s, t in zip(src, tgt, strict=True)),
        clamp=tuple(f"clamp_{i}" for i in ids),
        clampval=tuple(f"clampval_{i}" for i in ids),
        scale=tuple(f"scale_{i}" for i in ids),
        bias=tuple(f"bias_{i}" for i in ids),
        pulses=pulses,
    )


def sbml_parameter_table(
    model: CompiledModel,
    cond: Conditions,
    layout: ParameterLayout | None = None,
) -> tuple[list[str], Array]:
    """Values of every per-patient SBML parameter for every patient.

    Parameters
    ----------
    model
        The compiled model the SBML file was exported from.
    cond
        Per-patient perturbations (n_patients rows).
    layout
        The parameter names (default: :func:`parameter_layout` of `model`).

    Returns
    -------
    ids, values
        Parameter ids (``layout.perturbation_ids()``, then, when `cond` carries
        per-patient kinetics, the ``tau_``, ``k_``, ``n_`` and ``m_`` ids) and their
        values, shape (n_patients, len(ids)).

    Raises
    ------
    InvalidValueError
        When a pulse of `cond` has no slot in the export (more pulses on a node
        than the data's pulse actions on it).

    Examples
    --------
    >>> from rairlab.network import compile_model, conditions
    >>> m = compile_model()
    >>> ids, values = sbml_parameter_table(m, conditions(m, 3))
    >>> values.shape == (3, len(ids)), ids[0]
    (True, 'clamp_TSH')
    """
    layout = layout or parameter_layout(model)
    n = cond.n_patients
    blocks = [
        cond.clamp_mask.astype(float),
        cond.clamp_value,
        cond.scale,
        cond.bias,
    ]
    slots = np.zeros((n, 3 * len(layout.pulses)))
    for s, (_, _, rise, fade) in enumerate(layout.pulses):
        slots[:, 3 * s + 1] = rise
        slots[:, 3 * s + 2] = fade
    used: dict[int, int] = {}
    for p in cond.pulses:
        free = [s for s, slot in enumerate(layout.pulses) if slot[0] == p.node]
        k = used.get(p.node, 0)
        if k >= len(free):
            raise InvalidValueError(
                "pulse",
                f"{p.label or 'pulse'} on {model.node_ids[p.node]}",
                f"at most {len(free)} pulse(s) on this node (one per pulse action in the data)",
            )
        used[p.node] = k + 1
        s = free[k]
        slots[:, 3 * s] = p.amplitude
        slots[:, 3 * s + 1] = p.rise_h
        slots[:, 3 * s + 2] = p.fade_h
    values = np.concatenate([*blocks, slots], axis=1)
    ids = layout.perturbation_ids()
    if cond.kinetics is not None:
        hill_k, hill_n, _, span = edge_parameters(model, cond)  # span: the effective m
        extra: list[Array] = [node_tau(model, cond), hill_k, hill_n, span]
        wide = [np.broadcast_to(a, (n, int(a.shape[1]))) for a in extra]
        values = np.concatenate([values, *wide], axis=1)
        ids = [*ids, *layout.tau, *layout.k, *layout.n, *layout.m]
    return ids, values


def sbml_parameters(
    model: CompiledModel, cond: Conditions, patient: int = 0, layout: ParameterLayout | None = None
) -> dict[str, float]:
    """The SBML parameter values that reproduce one patient of `cond`.

    Examples
    --------
    >>> from rairlab.network import compile_model, conditions
    >>> m = compile_model()
    >>> sbml_parameters(m, conditions(m, 1, tsh="suppressed"))["clampval_TSH"]
    0.05
    """
    if not 0 <= patient < cond.n_patients:
        raise InvalidValueError("patient", patient, f"an index in 0..{cond.n_patients - 1}")
    ids, values = sbml_parameter_table(model, cond, layout)
    return {i: float(v) for i, v in zip(ids, values[patient], strict=True)}
