"""A trial's run directory: spec, manifest, per-chunk Parquet tables, summary.

Layout::

    DIR/spec.yaml                     the validated spec (canonical form)
    DIR/manifest.json                 version, seed, engine, chunking, timings
    DIR/patients/arm-AA_chunk-CCCCCC.parquet
    DIR/lesions/arm-AA_chunk-CCCCCC.parquet
    DIR/summary.json                  per arm and endpoint {k, n, p, ci95}; differences

Every file is written to a temporary name and renamed, so a killed run leaves
whole chunks only; ``--resume`` skips the chunks whose two tables exist. A
directory that holds another spec is refused, never overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import yaml

from rairlab._io import atomic_open, write_json
from rairlab.cohort._spec import TrialSpec, parse_trial_spec
from rairlab.cohort._stats import newcombe_independent, newcombe_paired, wilson
from rairlab.errors import InputFileError

__all__ = ["TABLES", "RunDir"]

TABLES = ("patients", "lesions")


class RunDir:
    """The files of one trial run under `path`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def chunk_path(self, table: str, arm: int, chunk: int) -> Path:
        return self.path / table / f"arm-{arm:02d}_chunk-{chunk:06d}.parquet"

    def has_chunk(self, arm: int, chunk: int) -> bool:
        return all(self.chunk_path(t, arm, chunk).exists() for t in TABLES)

    def manifest(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.manifest_path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            raise InputFileError(
                self.path, "not a trial run directory (no readable manifest.json)"
            ) from None

    def spec(self) -> TrialSpec:
        p = self.path / "spec.yaml"
        try:
            return parse_trial_spec(yaml.safe_load(p.read_text(encoding="utf-8")), str(p))
        except OSError:
            raise InputFileError(self.path, "not a trial run directory (no spec.yaml)") from None

    def prepare(self, spec: TrialSpec, manifest: dict[str, Any], resume: bool) -> dict[str, Any]:
        """Create the directory for `spec`, or check it for a resume; return the manifest to use."""
        if self.manifest_path.exists():
            old = self.manifest()
            if old.get("spec_sha256") != spec.fingerprint():
                raise InputFileError(
                    self.path,
                    f"holds another trial ({old.get('trial', '?')!r}); choose another --out",
                )
            if not resume:
                raise InputFileError(
                    self.path, "already holds this trial; add --resume to finish or reuse it"
                )
            return old
        if self.path.exists() and any(self.path.iterdir()):
            raise InputFileError(self.path, "exists and is not a trial run; choose another --out")
        with atomic_open(self.path / "spec.yaml") as fh:
            yaml.safe_dump(spec.model_dump(mode="json"), fh, sort_keys=False)
        write_json(self.manifest_path, manifest)
        return manifest

    def write_chunk(self, arm: int, chunk: int, tables: dict[str, dict[str, np.ndarray]]) -> None:
        """Write one chunk's tables (lesions first: a chunk counts when its patients exist)."""
        for name in ("lesions", "patients"):
            table = pa.table({k: pa.array(v) for k, v in tables[name].items()})
            with atomic_open(self.chunk_path(name, arm, chunk), "wb") as fh:
                pq.write_table(table, fh)

    def dataset(self, table: str) -> ds.Dataset:
        return ds.dataset(self.path / table, format="parquet")

    def update_manifest(self, **fields: Any) -> None:
        write_json(self.manifest_path, {**self.manifest(), **fields})

    def summarize(self, spec: TrialSpec) -> dict[str, Any]:
        """Per arm and endpoint ``{k, n, p, ci95}`` (Wilson), and differences from the control."""
        cols = ["arm", "patient", *spec.endpoints]
        t = self.dataset("patients").to_table(columns=cols)
        arm = np.asarray(t.column("arm").to_numpy(zero_copy_only=False))
        patient = t.column("patient").to_numpy()
        arms: dict[str, Any] = {}
        values: dict[str, dict[str, np.ndarray]] = {}
        for a in spec.arms:
            rows = np.flatnonzero(arm == a.name)
            order = rows[np.argsort(patient[rows], kind="stable")]
            values[a.name] = {e: t.column(e).to_numpy()[order].astype(bool) for e in spec.endpoints}
            arms[a.name] = {}
            for e in spec.endpoints:
                v = values[a.name][e]
                k, n = int(v.sum()), int(v.size)
                lo, hi = wilson(k, n)
                arms[a.name][e] = {"k": k, "n": n, "p": k / n if n else None, "ci95": [lo, hi]}
        control = spec.control_arm
        differences: dict[str, Any] = {}
        for a in spec.arms:
            if a.name == control:
                continue
            diff = {}
            for e in spec.endpoints:
                x, y = values[a.name][e], values[control][e]
                if spec.design == "twin":
                    lo, hi = newcombe_paired(
                        int(np.sum(x & y)),
                        int(np.sum(x & ~y)),
                        int(np.sum(~x & y)),
                        int(np.sum(~x & ~y)),
                    )
                    method = "Newcombe paired (method 10)"
                else:
                    lo, hi = newcombe_independent(int(x.sum()), x.size, int(y.sum()), y.size)
                    method = "Newcombe hybrid score (method 10)"
                d = float(x.mean() - y.mean()) if x.size and y.size else None
                diff[e] = {"difference": d, "ci95": [lo, hi], "method": method}
            differences[f"{a.name} - {control}"] = diff
        return {
            "trial": spec.name,
            "design": spec.design,
            "control": control,
            "arms": arms,
            "differences": differences,
        }
