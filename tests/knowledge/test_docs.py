"""docs/knowledge-base.md agrees with the code: the evidence-level rule, the lint checks,
and every schema field and enum value."""

from __future__ import annotations

import enum
import re
from pathlib import Path

from pydantic import BaseModel

from rairlab.knowledge import _schemas, _vocab
from rairlab.knowledge._lint import CHECKS

DOC = (Path(__file__).parents[2] / "docs" / "knowledge-base.md").read_text(encoding="utf-8")


def _table_after(heading: str) -> list[list[str]]:
    """Cells of the first markdown table after `heading`, header and rule dropped."""
    lines = DOC[DOC.index(heading) :].splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[2:]


def test_evidence_level_table_is_the_rule_in_code() -> None:
    documented = {
        study: level
        for level, _meaning, studies in _table_after("## Evidence levels")
        for study in re.findall(r"`(\w+)`", studies)
    }
    in_code = {s.value: _vocab.evidence_level(s).value for s in _vocab.StudyType}
    assert documented == in_code


def test_every_lint_check_is_documented() -> None:
    documented = {re.sub(r"`", "", row[0]) for row in _table_after("**`rairlab kb lint")}
    assert {check.__name__ for check in CHECKS} <= documented


def test_every_record_model_forbids_unknown_keys_and_is_documented() -> None:
    models = [
        m
        for m in vars(_schemas).values()
        if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == _schemas.__name__
    ]
    assert len(models) > 10
    for model in models:
        assert model.model_config.get("extra") == "forbid", model.__name__
        for name in model.model_fields:
            assert re.search(rf"\b{name}\b", DOC), f"{model.__name__}.{name} not in the docs"


def test_every_enum_value_is_documented() -> None:
    enums = [
        e
        for e in vars(_vocab).values()
        if isinstance(e, type) and issubclass(e, enum.Enum) and e.__module__ == _vocab.__name__
    ]
    assert enums
    for e in enums:
        for member in e:
            assert str(member.value) in DOC, f"{e.__name__}.{member.name}"
