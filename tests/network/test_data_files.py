import shutil

import pytest
import yaml

from rairlab.errors import DataFileError
from rairlab.knowledge import load_knowledge
from rairlab.network import load_network_data, parse_rule, variables
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


def test_shipped_data_has_40_to_150_nodes_and_every_rule_cites_the_knowledge_base():
    data = load_network_data()
    assert 40 <= len(data.nodes) <= 150
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


# The node list of issue 3, item 1 (text -> node ids that model it).
ISSUE_NODES = {
    "TSH/TSHR/Gs/cAMP/PKA/CREB": ["TSH", "TSHR", "GNAS", "cAMP", "PKA", "CREB1"],
    "RAS/BRAF/MEK/ERK, ERK -| HER2/HER3": [
        "RAS",
        "BRAF",
        "BRAF_V600E",
        "MEK",
        "ERK",
        "ERBB2_ERBB3",
    ],
    "RET and NTRK fusions": ["RET", "NTRK"],
    "PI3K/AKT/mTOR": ["PI3K", "AKT", "MTOR"],
    "PDGFRA": ["PDGFRA"],
    "TGF-beta/SMAD2/3/SMAD7": ["TGFB1", "SMAD2_3", "SMAD7"],
    "TLR4/NF-kB": ["TLR4", "NFKB"],
    "PBF (Src-phosphorylated)": ["PTTG1IP", "PBF_pY174", "SRC"],
    "NOX4/ROS/HIF1A/beta-catenin": ["NOX4", "ROS", "HIF1A", "CTNNB1"],
    "PAX8 (oxidation, miR-146b-3p), NKX2-1, FOXE1": ["PAX8", "MIR146B", "NKX2_1", "FOXE1"],
    "HDAC and EZH2 silencing": ["HDAC", "EZH2", "NIS_silencing"],
    "TERT, pyruvate carboxylase, GLUT1": ["TERT", "PC", "SLC2A1"],
    "HMGB1/AMPK/autophagy": ["HMGB1", "AMPK", "autophagy"],
    "PIGU, ARF4, AP-1": ["PIGU", "ARF4", "AP1"],
    "E-cadherin/Src/p120/RAC1 retention": ["CDH1", "SRC", "CTNND1", "RAC1"],
    "VCP, PPARG/RXR, RARB": ["VCP", "PPARG", "RXR", "PPARG_RXR", "RARB"],
    "TRPV1/Ca2+, beta2-adrenergic, Na+/K+-ATPase": ["TRPV1", "Ca2", "ADRB2", "ATP1A1"],
}


@pytest.mark.parametrize("item", sorted(ISSUE_NODES))
def test_issue_node_list_is_covered(item):
    ids = {n.id for n in load_network_data().nodes}
    assert set(ISSUE_NODES[item]) <= ids, set(ISSUE_NODES[item]) - ids


def test_her_feedback_and_pbf_phosphorylation_are_wired():
    rules = {n.id: n.rule_text for n in load_network_data().nodes}
    assert rules["ERBB2_ERBB3"] == "growth_factors & !ERK"
    assert {"PTTG1IP", "SRC"} <= set(variables(parse_rule(rules["PBF_pY174"])))


def test_glut1_marker_is_driven_by_braf_and_feeds_nothing():
    data = load_network_data()
    node = next(n for n in data.nodes if n.id == "SLC2A1")
    assert node.interactions == ("INT-023",)
    assert variables(node.rule) == ["BRAF_V600E"]
    # no rule (default or variant) reads it, so it cannot change any other output
    for n in data.nodes:
        if n.rule is not None:
            assert "SLC2A1" not in variables(n.rule), n.id
    for switch in data.switches:
        for option in switch.options.values():
            for rule in option.rules.values():
                assert "SLC2A1" not in variables(rule)


def test_uncited_textbook_edges_are_marked_as_assumptions():
    nodes = {n.id: n for n in load_network_data().nodes}
    for node_id in ("RAS", "BRAF", "RAF1", "PI3K", "AKT", "MTOR", "EGFR", "NKX2_1", "FOXE1"):
        assert nodes[node_id].assumption, node_id
    # INT-031 (TERT lowers NIS protein) sits on the rule that reads TERT
    assert "INT-031" in nodes["SLC5A5_mRNA"].interactions
    assert "INT-031" not in nodes["NIS_protein"].interactions


# Network nodes that stand for drug-target gene products -> their HGNC symbols.
_TARGET_SYMBOLS = {
    "BRAF": {"BRAF"},
    "BRAF_V600E": {"BRAF"},
    "RAF1": {"RAF1", "BRAF"},
    "MEK": {"MAP2K1", "MAP2K2"},
    "RET": {"RET"},
    "NTRK": {"NTRK1", "NTRK2", "NTRK3"},
    "PDGFRA": {"PDGFRA"},
    "EGFR": {"EGFR"},
    "ERBB2_ERBB3": {"ERBB2", "ERBB3"},
    "MTOR": {"MTOR"},
    "HDAC": {f"HDAC{i}" for i in range(1, 12)},
    "EZH2": {"EZH2"},
    "PPARG": {"PPARG"},
    "RXR": {"RXRA", "RXRB", "RXRG"},
    "RARB": {"RARB"},
    "VCP": {"VCP"},
    "ADRB2": {"ADRB2"},
    "TRPV1": {"TRPV1"},
    "SRC": {"SRC"},
    "PC": {"PC"},
}


def test_drug_targets_agree_with_the_knowledge_base():
    """A drug acting on a target node: the KB names that target for the agent, or cites a
    statement about the agent, or the action's note says why not."""
    raw = yaml.safe_load((DATA_DIR / "drug_actions.yaml").read_text())
    notes = {
        (a["agent"], act.get("node")): act.get("note")
        for a in raw["agents"]
        for act in a["actions"]
    }
    kb = load_knowledge()
    source = {i.id: i.source for i in kb.interactions}
    for agent in load_network_data().agents:
        record = kb.agent(agent.agent)
        assert agent.name == record.name.lower(), agent.agent
        for action in agent.actions:
            symbols = _TARGET_SYMBOLS.get(action.node)
            if symbols is None or action.mode not in ("inhibit", "activate"):
                continue
            about_agent = any(source[i] == agent.agent for i in action.interactions)
            if not symbols & set(record.targets) and not about_agent:
                assert notes[(agent.agent, action.node)], (agent.agent, action.node)
