import numpy as np

from rairlab.network import compile_model
from rairlab.network._docgen import edge_signs, network_figure


def test_edge_signs_follow_negations():
    m = compile_model()
    signs = edge_signs(m)
    assert signs.shape == (m.n_edges,)
    erbb = m.edges_of(m.index("ERBB2_ERBB3"))
    assert signs[erbb].tolist() == [-1]
    assert np.all(signs[m.edges_of(m.index("GNAS"))] == 1)


def test_network_figure_is_drawn_from_the_data(tmp_path):
    out = network_figure(tmp_path / "net.png")
    assert out.stat().st_size > 10_000
