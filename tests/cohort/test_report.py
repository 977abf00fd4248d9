"""`rairlab report DIR`: a trial run as one self-contained HTML file."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from rairlab import RESEARCH_USE_NOTICE
from rairlab.cli import main
from rairlab.cohort._report import trial_report_html


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("report")
    spec = {
        "name": "report <trial> & co",
        "seed": 5,
        "population": {"setting": "distant_metastatic", "n": 24, "refractory": False},
        "arms": [
            {"name": "I-131 alone", "therapy": {"activity_mbq": 3700}},
            {
                "name": "selumetinib",
                "drugs": [{"name": "selumetinib", "dose_mg": 75, "per_day": 2}],
                "drug_weeks": 4,
            },
        ],
        "simulation": {"network": "steady_state"},
    }
    (base / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = base / "run"
    assert main(["trial", "run", str(base / "spec.yaml"), "--out", str(out), "--workers", "1"]) == 0
    return out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_report_is_self_contained_and_complete(run_dir: Path) -> None:
    text = trial_report_html(run_dir)
    parser = _Tags()
    parser.feed(text)
    tags = parser.tags
    names = {t for t, _ in tags}
    assert {"script", "link", "img", "iframe", "object"}.isdisjoint(names)  # nothing to fetch
    for _, attrs in tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            assert value is None or value.startswith("#"), (key, value)  # in-document only
    assert not re.search(r"url\((?!#)", text)  # only in-document references (SVG clip paths)
    assert "@import" not in text
    assert "svg" in names  # the figure is inline
    assert text.count(RESEARCH_USE_NOTICE) == 2  # top and footer
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    for arm, endpoints in summary["arms"].items():
        assert arm in text
        for name, rec in endpoints.items():
            assert name in text
            assert f"{rec['k']}/{rec['n']}" in text
    assert "report &lt;trial&gt; &amp; co" in text  # user text is escaped, never markup
    assert "<trial>" not in text
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["spec_sha256"] in text
    assert re.search(r"<td>seed</td><td>5</td>", text)
    assert "@media print" in text


def test_cli_writes_the_report_atomically(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "case.html"
    assert main(["report", str(run_dir), "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert Path(payload["path"]) == out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["case.html"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["report", "{tmp}/none"], "a trial run directory"),
        (["report", "{tmp}"], "not a trial run directory"),
        (["report", "{run}", "-o", "{tmp}/x.pdf"], "ending in .html"),
        (["report", "{run}", "-o", "{tmp}/sub.html/"], "--output"),
    ],
)
def test_cli_errors_are_one_line(
    args: list[str],
    words: str,
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [a.format(tmp=tmp_path, run=run_dir) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert words in err
    assert list(tmp_path.iterdir()) == []
