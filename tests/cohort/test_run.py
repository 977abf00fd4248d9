"""Trial runs: the same results whatever the engine, workers or chunk size; atomic, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
import yaml

from rairlab.cohort import BLOCK, DaskEngine, LocalEngine, RunDir, parse_trial_spec, run_trial
from rairlab.errors import InputFileError

N = 2 * BLOCK + 52  # three blocks, the last one partial


def _small_spec() -> Any:
    """The conftest's spec factory (test modules cannot import conftest by name)."""
    from importlib import util

    path = Path(__file__).with_name("conftest.py")
    spec = util.spec_from_file_location("_cohort_conftest", path)
    assert spec is not None
    assert spec.loader is not None
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.small_spec


def _table(path: Path, name: str = "patients") -> pa.Table:
    t = ds.dataset(path / name, format="parquet").to_table()
    return t.sort_by([("arm", "ascending"), ("patient", "ascending")])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One uninterrupted run, chunks of one block, in this process."""
    small_spec = _small_spec()

    spec = small_spec(n=N)
    out = tmp_path_factory.mktemp("ref") / "run"
    run_trial(parse_trial_spec(spec), out, engine=LocalEngine(1), chunk_size=BLOCK)
    return out, spec


def test_run_directory_has_the_documented_files(reference: tuple[Path, dict[str, Any]]) -> None:
    out, spec = reference
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("rairlab_version", "seed", "engine", "chunk_blocks", "spec_sha256", "timings"):
        assert key in manifest
    assert manifest["status"] == "complete"
    summary = json.loads((out / "summary.json").read_text())
    for arm in ("RAI alone", "dabrafenib + trametinib"):
        for e, r in summary["arms"][arm].items():
            assert r["n"] == N, e
            assert r["p"] == pytest.approx(r["k"] / r["n"], rel=1e-12)
            assert 0 <= r["ci95"][0] <= r["p"] <= r["ci95"][1] <= 1
    assert "dabrafenib + trametinib - RAI alone" in summary["differences"]
    patients = _table(out)
    assert patients.num_rows == 2 * N
    assert sorted(set(patients.column("patient").to_pylist())) == list(range(N))
    assert yaml.safe_load((out / "spec.yaml").read_text())["seed"] == spec["seed"]


def test_same_seed_same_results_across_chunk_sizes_and_workers(
    reference: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, spec = reference
    run_trial(parse_trial_spec(spec), tmp_path / "a", engine=LocalEngine(2), chunk_size=2 * BLOCK)
    for name in ("patients", "lesions"):
        assert _table(tmp_path / "a", name).equals(_table(out, name))


def test_dask_local_cluster_gives_identical_results(
    reference: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, spec = reference
    run_trial(parse_trial_spec(spec), tmp_path / "d", engine=DaskEngine(workers=2))
    assert _table(tmp_path / "d").equals(_table(out))


def test_another_seed_gives_other_patients(tmp_path: Path) -> None:
    small_spec = _small_spec()

    a = run_trial(parse_trial_spec(small_spec(n=64)), tmp_path / "a", engine=LocalEngine(1))
    b = run_trial(
        parse_trial_spec(small_spec(n=64, seed=99)), tmp_path / "b", engine=LocalEngine(1)
    )
    assert not _table(a.path).equals(_table(b.path))


def test_twin_design_gives_every_arm_the_same_patients(tmp_path: Path) -> None:
    small_spec = _small_spec()

    spec = parse_trial_spec(small_spec(n=64, design="twin"))
    run_trial(spec, tmp_path / "t", engine=LocalEngine(1))
    t = _table(tmp_path / "t")
    arms = t.column("arm").to_pylist()
    mass = t.column("tumour_mass_g").to_pylist()
    first = [m for a, m in zip(arms, mass, strict=True) if a == "RAI alone"]
    second = [m for a, m in zip(arms, mass, strict=True) if a != "RAI alone"]
    assert first == second
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    diff = next(iter(summary["differences"].values()))
    assert diff["response"]["method"].startswith("Newcombe paired")


def test_directory_with_another_spec_is_refused_and_untouched(
    reference: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, spec = reference
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    with pytest.raises(InputFileError, match="holds another trial"):
        run_trial(parse_trial_spec({**spec, "seed": 5}), out, engine=LocalEngine(1))
    with pytest.raises(InputFileError, match="add --resume"):
        run_trial(parse_trial_spec(spec), out, engine=LocalEngine(1))
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep")
    with pytest.raises(InputFileError, match="not a trial run"):
        run_trial(parse_trial_spec(spec), other, engine=LocalEngine(1))
    assert sorted(p.name for p in other.iterdir()) == ["mine.txt"]


def test_sigkill_then_resume_gives_the_uninterrupted_results(
    reference: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, spec = reference
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    run = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "rairlab",
        "trial",
        "run",
        str(spec_file),
        "--out",
        str(run),
        "--workers",
        "1",
        "--chunk-size",
        str(BLOCK),
        "--json",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((run / "patients").glob("*.parquet"))) >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(list((run / "patients").glob("*.parquet")))
    assert 1 <= written < 6
    assert not (run / "summary.json").exists()
    # the interrupted directory is refused without --resume, finished with it
    again = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert again.returncode == 2
    assert "--resume" in again.stderr
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for name in ("patients", "lesions"):
        assert _table(run, name).equals(_table(out, name))
    assert (
        json.loads((run / "summary.json").read_text())["arms"]
        == json.loads((out / "summary.json").read_text())["arms"]
    )
    runs = RunDir(run).manifest()["timings"]["runs"]
    assert len(runs) == 1
    assert runs[0]["chunks"] == 6 - written


def test_dask_scheduler_address_ships_tables_back_with_identical_results(
    reference: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # a cluster reached by address may not share our disk: workers return the tables
    import distributed

    out, spec = reference
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=":0",
        silence_logs=40,
    ) as cluster:
        engine = DaskEngine(scheduler=cluster.scheduler_address, workers=1)
        assert not engine.shares_files
        run_trial(parse_trial_spec(spec), tmp_path / "remote", engine=engine)
    assert _table(tmp_path / "remote").equals(_table(out))
