"""Running the SBML export in libRoadRunner, patient by patient: the independent cross-check.

libRoadRunner (LLVM-compiled SBML, CVODE and NLEQ2) knows nothing of rairlab's
solvers, so agreement between its trajectories and rairlab's validates both the
export and the batched solvers. It simulates one patient at a time: this module
loops over patients by design (it is the reference, not a hot path).

References
----------
Welsh C et al. (2023) libRoadRunner 2.0: a high performance SBML simulation and
analysis library. Bioinformatics 39:btac770. doi:10.1093/bioinformatics/btac770
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rairlab._io import optional_import
from rairlab.errors import InvalidValueError
from rairlab.network._compiled import CompiledModel, Conditions, KineticParameters
from rairlab.network._specs import NetworkData
from rairlab.network.export._sbml import to_sbml
from rairlab.network.export._sbml_params import parameter_layout, sbml_parameter_table

__all__ = ["RoadRunnerResult", "RoadRunnerSession"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class RoadRunnerResult:
    """Per-patient results of libRoadRunner, columns in rairlab's node order.

    Attributes
    ----------
    x
        (n_patients, n_times, N) for a time course, (n_patients, N) for steady states;
        NaN where the patient failed.
    failed
        Per patient: libRoadRunner raised an error or returned non-finite values.
    messages
        The error message per failed patient (empty string otherwise).
    """

    x: Array
    failed: NDArray[np.bool_]
    messages: tuple[str, ...]


class RoadRunnerSession:
    """The SBML export of `model` loaded once in libRoadRunner, ready to run any patient.

    Parameters
    ----------
    model
        The compiled model to export and load.
    data
        Network data (pulse slots); default: the shipped data.
    sbml
        An already exported SBML text of `model` (skips the export).

    Raises
    ------
    MissingExtraError
        When libroadrunner is not installed (``pip install 'rairlab[sbml]'``).
    """

    def __init__(
        self, model: CompiledModel, data: NetworkData | None = None, sbml: str | None = None
    ) -> None:
        rr = optional_import("roadrunner", "sbml")
        self.model = model
        self.layout = parameter_layout(model, data)
        self.runner: Any = rr.RoadRunner(sbml if sbml is not None else to_sbml(model, data=data))
        # before steadyState(), as libRoadRunner recommends; set once here because it
        # regenerates the model (the export has no conserved moieties, so it changes nothing else)
        self.runner.conservedMoietyAnalysis = True
        gids = list(self.runner.model.getGlobalParameterIds())
        # every patient sets its perturbations and its kinetic parameters (the model's
        # when it has none of its own), so no value leaks from one patient to the next
        lay = self.layout
        ids = [*lay.perturbation_ids(), *lay.tau, *lay.k, *lay.n, *lay.m]
        self._param_pos = np.asarray([gids.index(i) for i in ids], dtype=np.int32)
        self._amp_pos = np.asarray(
            [gids.index(i) for i in ids if i.startswith("pulse") and "_amp_" in i], dtype=np.int32
        )
        species = list(self.runner.model.getFloatingSpeciesIds())
        self._species_pos = np.arange(len(species), dtype=np.int32)
        # column j of roadrunner's state is rairlab node _node_of[j]
        self._node_of = np.asarray([model.index(s) for s in species], dtype=np.intp)
        self.runner.timeCourseSelections = ["time", *species]

    def _table(self, cond: Conditions) -> tuple[list[str], Array]:
        """Every patient's parameter values, kinetic parameters included."""
        full = cond if cond.kinetics is not None else replace(cond, kinetics=KineticParameters())
        return sbml_parameter_table(self.model, full, self.layout)

    def _set_patient(self, values: Array, x0: Array) -> None:
        m = self.runner.model
        m.setGlobalParameterValues(self._param_pos, values)
        m.setTime(0.0)
        m.setFloatingSpeciesConcentrations(self._species_pos, x0[self._node_of])

    def rates_of_change(self, cond: Conditions, x: ArrayLike) -> Array:
        """dx/dt at t = 0 as libRoadRunner evaluates the export, shape (n_patients, N).

        The same quantity as :func:`rairlab.network.rhs` at ``t = 0``: a check of the
        export that involves no integrator.
        """
        n, N = cond.n_patients, self.model.n_nodes
        state = np.broadcast_to(np.asarray(x, dtype=float), (n, N))
        _, values = self._table(cond)
        out = np.empty((n, N))
        for p in range(n):
            self._set_patient(values[p], state[p])
            out[p, self._node_of] = self.runner.getRatesOfChange()
        return out

    def time_course(
        self,
        cond: Conditions,
        times: ArrayLike,
        x0: ArrayLike,
        *,
        rtol: float | None = None,
        atol: float | None = None,
    ) -> RoadRunnerResult:
        """Simulate every patient of `cond` from `x0` at t = 0 with CVODE.

        Parameters
        ----------
        cond
            Per-patient perturbations.
        times
            Increasing output times in hours; the first must be 0.
        x0
            Initial activities, (n_patients, N) or (N,).
        rtol, atol
            CVODE tolerances (default: libRoadRunner's own).

        Returns
        -------
        RoadRunnerResult
            ``x`` of shape (n_patients, n_times, N).
        """
        t = np.asarray(times, dtype=float)
        if t.ndim != 1 or t.size < 2 or t[0] != 0.0 or np.any(np.diff(t) <= 0):
            raise InvalidValueError("times", times, "increasing times in hours starting at 0")
        n, N = cond.n_patients, self.model.n_nodes
        start = np.broadcast_to(np.asarray(x0, dtype=float), (n, N))
        integ = self.runner.integrator
        if rtol is not None:
            integ.relative_tolerance = rtol
        if atol is not None:
            integ.absolute_tolerance = atol
        _, values = self._table(cond)
        out = np.full((n, t.size, N), np.nan)
        failed = np.zeros(n, dtype=bool)
        messages = [""] * n
        grid = t.tolist()
        for p in range(n):
            try:
                self._set_patient(values[p], start[p])
                res = np.asarray(self.runner.simulate(times=grid))
                out[p][:, self._node_of] = res[:, 1:]
            except (RuntimeError, ValueError) as exc:
                failed[p], messages[p] = True, str(exc).splitlines()[0]
        failed |= ~np.isfinite(out).all(axis=(1, 2))
        return RoadRunnerResult(out, failed, tuple(messages))

    def steady_state(
        self, cond: Conditions, x0: ArrayLike = 0.5, steady_tol: float = 1e-8
    ) -> RoadRunnerResult:
        """libRoadRunner's ``steadyState()`` per patient, pulses off (t -> infinity).

        ``conservedMoietyAnalysis`` is on (set when the session is created), as
        libRoadRunner recommends. Patients start from `x0` (default 0.5, as
        :func:`rairlab.network.steady_state`). A patient whose returned state
        has max |dx/dt| above `steady_tol` (per h) counts as failed (its row is
        NaN): ``steadyState()`` sometimes returns such points without an error.

        Returns
        -------
        RoadRunnerResult
            ``x`` of shape (n_patients, N).
        """
        n, N = cond.n_patients, self.model.n_nodes
        start = np.broadcast_to(np.asarray(x0, dtype=float), (n, N))
        _, values = self._table(cond)
        out = np.full((n, N), np.nan)
        failed = np.zeros(n, dtype=bool)
        messages = [""] * n
        off = np.zeros(self._amp_pos.size)
        m = self.runner.model
        for p in range(n):
            try:
                self._set_patient(values[p], start[p])
                if off.size:
                    m.setGlobalParameterValues(self._amp_pos, off)
                self.runner.steadyState()
                # steadyState() can return without an error at a point that is not steady
                worst = float(np.abs(self.runner.getRatesOfChange()).max())
                if not worst <= steady_tol:
                    failed[p] = True
                    messages[p] = f"steadyState() returned max |dx/dt| = {worst:.2e} per h"
                    continue
                out[p, self._node_of] = m.getFloatingSpeciesConcentrations()
            except (RuntimeError, ValueError) as exc:
                failed[p], messages[p] = True, str(exc).splitlines()[0]
        failed |= ~np.isfinite(out).all(axis=1)
        return RoadRunnerResult(out, failed, tuple(messages))
