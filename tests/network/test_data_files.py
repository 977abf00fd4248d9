import shutil

import pytest

from rairlab.errors import DataFileError
from rairlab.knowledge import load_knowledge
from rairlab.network import load_network_data
from rairlab.network._data import DATA_DIR


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _last_line_of(path, needle):
    hits = [i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line]
    assert hits, needle
    return hits[-1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("rule: TSH & TSHR", "rule: TSH & TSHRX", "unknown node 'TSHRX'"),
        ("rule: TSH & TSHR", "rule: TSH & (TSHR", "syntax error"),
        ("  - id: CREB1\n", "  - id: PKA\n", "duplicate rule"),
    ],
)
def test_broken_rule_file_gives_one_error_with_file_and_line(data_copy, old, new, message):
    path = data_copy / "network.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(DataFileError, match=message) as info:
        load_network_data(data_copy)
    assert info.value.path == str(path)
    assert info.value.line == _last_line_of(path, new.strip().splitlines()[0])
    assert f"{path}:{info.value.line}:" in str(info.value)


def test_shipped_data_has_40_to_80_nodes_and_every_rule_cites_the_knowledge_base():
    data = load_network_data()
    assert 40 <= len(data.nodes) <= 80
    kb = load_knowledge()
    ids = {i.id for i in kb.interactions}
    for node in data.nodes:
        assert node.interactions, node.id
        assert set(node.interactions) <= ids, node.id
    for switch in data.switches:
        for option in switch.options.values():
            assert set(option.interactions) <= ids
    for agent in data.agents:
        assert kb.agent(agent.agent).id == agent.agent
        for action in agent.actions:
            assert set(action.interactions) <= ids


def test_required_outputs_exist():
    kinds = {n.id: n.kind for n in load_network_data().nodes}
    for out in (
        "SLC5A5_mRNA",
        "NIS_protein",
        "NIS_membrane",
        "iodide_uptake",
        "organification",
        "Tg_secretion",
        "proliferation",
    ):
        assert kinds[out] == "output"
