import pytest

from rairlab.knowledge import load_knowledge
from rairlab.network import check_behaviour, load_behaviour

ROWS = load_behaviour()
RESULTS = {r.behaviour.id: r for r in check_behaviour()}


def test_table_has_at_least_40_cited_rows():
    kb = load_knowledge()
    ids = {i.id for i in kb.interactions}
    assert len(ROWS) >= 40
    assert len({b.id for b in ROWS}) == len(ROWS)
    for b in ROWS:
        assert b.citation in kb.reference_keys, b.id
        assert b.interactions, b.id
        assert set(b.interactions) <= ids, b.id


@pytest.mark.parametrize("row", ROWS, ids=[b.id for b in ROWS])
def test_default_model_reproduces(row):
    r = RESULTS[row.id]
    assert r.passed, (row.output, row.expect, r.baseline_value, r.perturbed_value)
