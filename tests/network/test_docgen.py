import numpy as np

from rairlab.network import compile_model
from rairlab.network._docgen import edge_signs, network_figure


def test_edge_signs_follow_negations():
    m = compile_model()
    signs = edge_signs(m)
    assert signs.shape == (m.n_edges,)
    erbb = m.edges_of(m.index("ERBB2_ERBB3"))
    assert signs[erbb].tolist() == [1, -1]
    assert np.all(signs[m.edges_of(m.index("GNAS"))] == 1)


def test_network_figure_is_drawn_from_the_data(tmp_path):
    out = network_figure(tmp_path / "net.png")
    assert out.stat().st_size > 10_000


def _png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_docs_match_the_data_and_figure_is_at_most_2000_px(tmp_path):
    from pathlib import Path

    from rairlab.network._docgen import write_docs

    md = write_docs(tmp_path)
    shipped = Path(__file__).resolve().parents[2] / "docs" / "model.md"
    # docs/model.md is generated: regenerate with `python -m rairlab.network._docgen docs`.
    # Everything above the behaviour table must match exactly; in the table the simulated
    # values (3 significant digits) may move with solver tolerances, so only the row
    # identities (id, output, expectation, citation) are compared there.
    head = "## Behavioural specification"
    new, old = md.read_text(encoding="utf-8"), shipped.read_text(encoding="utf-8")
    assert new.split(head)[0] == old.split(head)[0]

    def rows(text):
        table = text.split(head)[1].splitlines()
        cells = [line.split("|") for line in table if line.startswith("| B")]
        return [(c[1], c[2], c[3], c[6]) for c in cells]

    assert rows(new) == rows(old)
    width, height = _png_size(tmp_path / "model-network.png")
    assert 800 <= width <= 2000
    assert height <= 2000
