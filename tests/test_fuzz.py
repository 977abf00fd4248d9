"""Property-based fuzzing of the parsers and of every CLI command's options (issue 12).

Every generated input must end in one of two ways: exit 0 with finite output (no NaN
or infinity in the JSON), or exit 2 with exactly one line on stderr; never a
traceback (any exception other than a `RairlabError` fails the test), and nothing
outside the named output appears or changes. Library parsers either return or raise
a `RairlabError`.

The examples are derandomized (the same inputs on every run, so CI is stable); the
counts below add up to more than 10,000 generated cases per test run.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rairlab.cli import main
from rairlab.errors import RairlabError

_FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def fuzz(examples: int) -> settings:
    """Derandomized settings with `examples` generated cases."""
    return settings(_FUZZ, max_examples=examples)


def _strict(text: str) -> Any:
    def bad(name: str) -> Any:
        raise AssertionError(f"non-finite number {name} in JSON output")

    return json.loads(text, parse_constant=bad)


def _finite(obj: Any) -> None:
    """No NaN or infinity anywhere in `obj` (JSON NaN is refused by `_strict` already)."""
    if isinstance(obj, float):
        assert math.isfinite(obj), obj
    elif isinstance(obj, dict):
        for v in obj.values():
            _finite(v)
    elif isinstance(obj, list):
        for v in obj:
            _finite(v)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = Path(dirpath, f)
            st_ = p.lstat()
            out[str(p.relative_to(root))] = (st_.st_size, st_.st_mtime_ns)
    return out


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def run_cli(args: list[str], folder: Path, allowed: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run the CLI in `folder`; check the two allowed endings and the file system."""
    before = _snapshot(folder)
    out, err = io.StringIO(), io.StringIO()
    with _inside(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    stderr = err.getvalue()
    if code == 0:
        if "--json" in args:
            _finite(_strict(out.getvalue()))
    else:
        assert code == 2, (args, code, stderr)
        assert stderr.count("\n") == 1, (args, stderr)
        assert stderr.startswith("error: "), (args, stderr)
    after = _snapshot(folder)
    changed = {k for k in after if before.get(k) != after[k]} | (before.keys() - after.keys())
    unexpected = {
        c for c in changed if not any(c == a or c.startswith(a.rstrip("/") + "/") for a in allowed)
    }
    assert not unexpected, (args, sorted(unexpected))
    return code, out.getvalue()


def _lib(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A library parser: returns, or raises a RairlabError (any other error fails)."""
    try:
        return call(*args, **kwargs)
    except RairlabError as exc:
        message = str(exc)
    assert "\n" not in message, message
    assert len(message) < 2000, len(message)
    return None


# ---------------------------------------------------------------- vocabularies


def _kb() -> Any:
    from rairlab.knowledge import load_knowledge

    return load_knowledge()


def _alteration_words() -> list[str]:
    kb = _kb()
    words: set[str] = set()
    for a in kb.alterations:
        words.update(str(w) for w in (a.notation, *getattr(a, "aliases", ())) if w)
    for g in kb.genes:
        words.add(g.symbol)
    return sorted(words)


def _agent_words() -> list[str]:
    kb = _kb()
    words: set[str] = set()
    for a in kb.agents:
        words.update(str(w) for w in (a.name, *getattr(a, "aliases", ())) if w)
    return sorted(words)


SEPARATORS = [";", "+", ",", " ", "-", "::", "/", ";;", "  "]
PIECES = [
    "p.",
    "P.",
    "c.",
    "V600E",
    "Val600Glu",
    "p.(Val600Glu)",
    "Q61",
    "Q61R",
    "Gln61Arg",
    "C228T",
    "c.-124C>T",
    "c.1799T>A",
    "RET/PTC1",
    "fusion",
    "del",
    "fs",
    "*",
    ">",
    "?",
    "\u00e9",
    "\u200b",
    "0",
    "-1",
    "1e309",
]
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


def _mutate_case(word: str, flips: list[bool]) -> str:
    return "".join(c.swapcase() if i < len(flips) and flips[i] else c for i, c in enumerate(word))


@st.composite
def genotypes(draw: st.DrawFn) -> str:
    words = _alteration_words()
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(words),
                st.sampled_from(PIECES),
                st.sampled_from(SEPARATORS),
                TEXT,
            ),
            max_size=8,
        )
    )
    return "".join(parts)


@st.composite
def drug_names(draw: st.DrawFn) -> str:
    name = draw(st.one_of(st.sampled_from(_agent_words()), TEXT))
    flips = draw(st.lists(st.booleans(), max_size=len(name)))
    name = _mutate_case(name, flips)
    if draw(st.booleans()):
        name = name.replace(" ", draw(st.sampled_from(["", "-", "  ", "_"])))
    return name


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e307, 1e308, -1.0, 1.0, 0.5, 20.0]),
    st.integers(min_value=-(10**6), max_value=10**6).map(float),
)
NUMBER_TEXT = st.one_of(
    NUMBERS.map(repr), st.sampled_from(["nan", "inf", "-inf", "", "1,5", "1e", "0x10", "½"]), TEXT
)


# ---------------------------------------------------------------- library parsers


@fuzz(3000)
@given(text=genotypes())
def test_fuzz_parse_genotype(text: str) -> None:
    from rairlab.knowledge import parse_genotype

    _lib(parse_genotype, text, _kb())


@fuzz(2000)
@given(name=drug_names())
def test_fuzz_drug_names_resolve_or_fail_cleanly(name: str) -> None:
    from rairlab.network import conditions

    _lib(conditions, _model(), 1, drugs={name: 1.0})
    _lib(_kb().agent, name)


_MODEL: list[Any] = []


def _model() -> Any:
    from rairlab.network import compile_model

    if not _MODEL:
        _MODEL.append(compile_model())
    return _MODEL[0]


@fuzz(1200)
@given(
    key=st.one_of(
        st.sampled_from(["tsh", "tgfb", "hypoxia", "glucose", "adhesion", "epigenetic_memory"]),
        TEXT,
    ),
    value=st.one_of(
        NUMBERS, st.sampled_from(["low", "high", "none", "withdrawal", "rhTSH", "x"]), TEXT
    ),
)
def test_fuzz_environment_levels(key: str, value: Any) -> None:
    from rairlab.network import conditions

    cond = _lib(conditions, _model(), 1, env={key: value})
    if cond is not None:
        assert np.all(np.isfinite(cond.bias))
        assert np.all(np.isfinite(cond.clamp_value))


def _demo_spec() -> dict[str, Any]:
    import yaml

    import rairlab.cohort

    text = (Path(rairlab.cohort.__file__).parent / "data" / "demo_trial.yaml").read_text(
        encoding="utf-8"
    )
    return dict(yaml.safe_load(text))


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _leaves(v, (*path, i))] or [path]
    return [path]


@fuzz(1200)
@given(data=st.data())
def test_fuzz_trial_spec_fields(data: st.DataObject) -> None:
    from rairlab.cohort import parse_trial_spec

    doc = _demo_spec()
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_leaves(doc)))
        value = data.draw(
            st.one_of(
                NUMBERS,
                TEXT,
                st.booleans(),
                st.none(),
                st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
            )
        )
        target = doc
        for key in path[:-1]:
            target = target[key]
        if path:
            target[path[-1]] = value
    _lib(parse_trial_spec, doc)


# ---------------------------------------------------------------- CLI commands


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@fuzz(500)
@given(
    genotype=st.one_of(st.none(), genotypes()),
    drugs=st.lists(
        st.tuples(drug_names(), st.one_of(st.none(), NUMBER_TEXT)),
        max_size=2,
    ),
    tsh=st.one_of(st.none(), st.sampled_from(["withdrawal", "rhTSH", "x", ""]), TEXT),
    env=st.lists(st.tuples(st.sampled_from(["tgfb", "hypoxia", "x"]), NUMBER_TEXT), max_size=2),
    days=st.one_of(st.none(), NUMBER_TEXT),
)
def test_fuzz_cli_simulate(
    folder: Path,
    genotype: str | None,
    drugs: list[tuple[str, str | None]],
    tsh: str | None,
    env: list[tuple[str, str]],
    days: str | None,
) -> None:
    args = ["simulate", "--json"]
    if genotype is not None:
        args += ["--genotype", genotype]
    for name, exposure in drugs:
        args += ["--drug", name if exposure is None else f"{name}:{exposure}"]
    if tsh is not None:
        args += ["--tsh", tsh]
    for key, value in env:
        args += ["--env", f"{key}={value}"]
    if days is not None:
        args += ["--time-course", days]
    run_cli(args, folder)


@fuzz(1200)
@given(
    option=st.sampled_from(["--alteration", "--drug", "--gene", "--trial", "--list"]),
    value=st.one_of(genotypes(), drug_names(), TEXT),
)
def test_fuzz_cli_evidence(folder: Path, option: str, value: str) -> None:
    run_cli(["evidence", option, value, "--json"], folder)


def _csv(rows: list[tuple[str, str]], header: str) -> str:
    return header + "\n" + "\n".join(f"{t},{v}" for t, v in rows) + "\n"


@fuzz(400)
@given(
    rows=st.lists(st.tuples(NUMBER_TEXT, NUMBER_TEXT), max_size=6),
    header=st.sampled_from(["time_h,activity_mbq", "time_h,x", "", "a,b,c"]),
    mass=NUMBER_TEXT,
    recovery=st.one_of(st.none(), NUMBER_TEXT),
    administered=st.one_of(st.none(), NUMBER_TEXT),
)
def test_fuzz_cli_dose_lesion(
    folder: Path,
    rows: list[tuple[str, str]],
    header: str,
    mass: str,
    recovery: str | None,
    administered: str | None,
) -> None:
    (folder / "m.csv").write_text(_csv(rows, header), encoding="utf-8")
    args = ["dose", "lesion", "--nuclide", "I-124", "--measurements", "m.csv", "--json"]
    args += ["--mass-g", mass, "--predict", "I-131"]
    if recovery is not None:
        args += ["--recovery", recovery]
    if administered is not None:
        args += ["--administered-mbq", administered]
    run_cli(args, folder, allowed=("m.csv",))


@fuzz(300)
@given(
    rows=st.lists(st.tuples(NUMBER_TEXT, NUMBER_TEXT, NUMBER_TEXT), max_size=6),
    weight=st.one_of(st.none(), NUMBER_TEXT),
)
def test_fuzz_cli_dose_blood(
    folder: Path, rows: list[tuple[str, str, str]], weight: str | None
) -> None:
    header = "time_h,blood_percent_ia_per_ml,whole_body_percent_ia"
    body = "\n".join(",".join(r) for r in rows)
    (folder / "b.csv").write_text(header + "\n" + body + "\n", encoding="utf-8")
    args = ["dose", "blood", "--measurements", "b.csv", "--json"]
    if weight is not None:
        args += ["--weight-kg", weight]
    run_cli(args, folder, allowed=("b.csv",))


@fuzz(120)
@given(
    values=st.lists(NUMBERS, min_size=8, max_size=8),
    voxel=st.sampled_from([1e-6, 0.01, 0.5, 4.0, 1e6]),
    v_gy=st.lists(NUMBER_TEXT, max_size=2),
)
def test_fuzz_cli_dose_voxel(
    folder: Path, values: list[float], voxel: float, v_gy: list[str]
) -> None:
    nib = pytest.importorskip("nibabel")
    data = np.asarray(values, dtype=np.float64).reshape(2, 2, 2)
    affine = np.diag([voxel, voxel, voxel, 1.0])
    with np.errstate(all="ignore"):
        nib.save(nib.Nifti1Image(data, affine), str(folder / "tia.nii.gz"))
    args = ["dose", "voxel", "tia.nii.gz", "--method", "local", "--json"]
    for v in v_gy:
        args += ["--v-gy", v]
    run_cli(args, folder, allowed=("tia.nii.gz",))


NAMES = st.one_of(
    st.sampled_from(
        [
            "",
            ".",
            "..",
            "/",
            "x/",
            "sub/dir/model.bnet",
            "n" * 300,
            "tia.nii.gz/x",
            "fifo",
            "a\x00b",
        ]
    ),
    st.text(alphabet=string.ascii_letters + string.digits + "._-/ ", min_size=1, max_size=30),
)


@fuzz(300)
@given(name=NAMES)
def test_fuzz_cli_export_paths(folder: Path, name: str) -> None:
    (folder / "taken").mkdir(exist_ok=True)
    if not (folder / "fifo").exists():
        os.mkfifo(folder / "fifo")
    target = name.lstrip("/")  # never outside the test's folder
    code, _ = run_cli(
        ["export", "bnet", target, "--json"], folder, allowed=(target,) if target else ()
    )
    if code == 0:
        assert (folder / target).is_file()
