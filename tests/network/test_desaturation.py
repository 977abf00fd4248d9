"""No hub pinned at its bound, and every node matters somewhere (or says why not)."""

from dataclasses import replace

import numpy as np
import pytest

from rairlab.network import compile_model, conditions, load_network_data, steady_state

GENOTYPES = (None, "BRAF p.V600E", "NRAS p.Q61R", "CCDC6::RET")
TSH = ("normal", "withdrawal")
THRESHOLD = 0.05  # relative change of at least one output

#: Nodes whose knockout and overexpression move no output by 5% in any reference context,
#: each with the reason. A node that becomes inert without an entry here fails the test.
INERT = {
    "TLR4": "the review gives no direction for TLR4/NF-kB on NIS; the default variant "
    "nfkb-not-linked leaves NF-kB without targets (nfkb-supports-pax8 / -impairs-pax8 wire it)",
    "NFKB": "as TLR4: wired only in the nfkb-* variants",
    "SLC2A1": "GLUT1 is a marker of BRAF-driven glucose metabolism (FDG avidity); the review "
    "gives it no downstream effect on iodide handling",
    "RXR": "acts as PPAR-gamma's partner; with PPAR-gamma at its low basal activity RXR moves "
    "outputs only together with a PPAR-gamma agonist (bexarotene potentiates rosiglitazone)",
}


@pytest.fixture(scope="module")
def model():
    return compile_model()


def _contexts(model):
    rows = [(g, t) for g in GENOTYPES for t in TSH]
    levels = load_network_data().environment["tsh"].levels
    cond = conditions(
        model,
        len(rows),
        genotype=[g or "" for g, _ in rows],
        env={"tsh": np.array([levels[t] for _, t in rows])},
    )
    return rows, cond


#: Nodes allowed at their bound (> 0.99) in a wild-type cell under TSH withdrawal.
PINNED = {
    "CDH1": "E-cadherin at intact junctions: the adhesion input 'intact' means fully engaged",
    "ATP1A1": "the sodium pump is constitutive; no stimulus of the review raises it",
}


def test_no_hub_is_pinned_at_its_bound_under_tsh_stimulation(model):
    x = steady_state(model, conditions(model, 1, tsh="withdrawal")).x[0]
    pinned = {n for i, n in enumerate(model.node_ids) if not model.is_input[i] and x[i] > 0.99}
    assert pinned == set(PINNED)
    # the hubs the review's stimuli act on keep room to move both ways
    for hub in ("cAMP", "PKA", "CREB1", "NIS_trafficking", "NIS_membrane", "proliferation"):
        assert 0.05 < x[model.index(hub)] < 0.95, hub


def test_every_node_moves_an_output_or_is_listed_with_a_reason(model):
    rows, base = _contexts(model)
    n_ctx, N = len(rows), model.n_nodes
    nodes = [i for i in range(N) if not model.is_input[i]]
    # one batch: the contexts, then each node knocked out, then each overexpressed
    reps = 1 + 2 * len(nodes)
    scale = np.tile(base.scale, (reps, 1))
    bias = np.tile(base.bias, (reps, 1))
    for j, i in enumerate(nodes):
        ko = slice((1 + j) * n_ctx, (2 + j) * n_ctx)
        oe = slice((1 + len(nodes) + j) * n_ctx, (2 + len(nodes) + j) * n_ctx)
        scale[ko, i] = 0.0
        bias[oe, i] = 1.0
    cond = replace(
        base,
        clamp_mask=np.tile(base.clamp_mask, (reps, 1)),
        clamp_value=np.tile(base.clamp_value, (reps, 1)),
        scale=scale,
        bias=bias,
    )
    ss = steady_state(model, cond)
    assert ss.converged.all()
    outs = [i for i, k in enumerate(model.kinds) if k == "output"]
    x = ss.x[:, outs].reshape(reps, n_ctx, len(outs))
    rel = np.abs(x[1:] - x[0]) / np.maximum(np.abs(x[0]), 1e-12)
    effect = np.maximum(rel[: len(nodes)], rel[len(nodes) :]).max(axis=(1, 2))
    inert = {model.node_ids[i] for i, e in zip(nodes, effect, strict=True) if e < THRESHOLD}
    assert inert == set(INERT), (
        f"unlisted inert nodes: {sorted(inert - set(INERT))}; "
        f"listed but active now: {sorted(set(INERT) - inert)}"
    )
