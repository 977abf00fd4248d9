"""The Evidence page: search and filter the knowledge base, every statement with its citation.

``/evidence`` (HTML) and ``/api/evidence`` (JSON) take the same query:
``alteration``, ``drug``, ``gene``, ``trial`` narrow the records as
``rairlab evidence`` does (:func:`rairlab.knowledge.evidence`); ``level`` keeps
outcomes of one evidence level (A–E, after CIViC), ``q`` keeps statements whose
text contains a phrase. ``/api/names?kind=...`` feeds the autocomplete.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rairlab.errors import InvalidValueError
from rairlab.knowledge import evidence, load_knowledge
from rairlab.network import compile_model, modelled_agents
from rairlab.web._common import Params, json_response, page, web_state

__all__ = ["ROUTES", "evidence_query", "names"]

LEVELS = ("A", "B", "C", "D", "E")
#: Kinds of names the autocomplete serves.
NAME_KINDS = ("alteration", "drug", "modelled_drug", "gene", "trial", "node")
#: Most rows of each kind on one page (the JSON says how many more matched).
MAX_ROWS = 200


def names(kind: str) -> list[str]:
    """Every name of `kind` a field accepts (canonical names and aliases), sorted.

    Examples
    --------
    >>> "BRAF p.V600E" in names("alteration"), "dabrafenib" in names("modelled_drug")
    (True, True)
    """
    kb = load_knowledge()
    if kind == "alteration":
        out = [n for a in kb.alterations for n in (a.notation, *a.aliases)]
    elif kind == "drug":
        out = [n for a in kb.agents for n in (a.name, *a.aliases)]
    elif kind == "modelled_drug":
        out = modelled_agents()
    elif kind == "gene":
        out = [g.symbol for g in kb.genes]
    elif kind == "trial":
        out = [t.nct_id or t.id for t in kb.trials]
    elif kind == "node":
        out = list(compile_model().node_ids)
    else:
        raise InvalidValueError("kind", kind, "one of " + ", ".join(NAME_KINDS))
    return sorted(set(out), key=str.casefold)


def _citations(kb: Any, keys: tuple[str, ...]) -> list[str]:
    return [kb.reference(k).citation if k in kb.reference_keys else k for k in keys]


def _outcome_row(kb: Any, o: Any) -> dict[str, Any]:
    return {
        "id": o.id,
        "study": o.study,
        "study_type": str(o.study_type.value).replace("_", " "),
        "level": o.evidence_level.value if o.evidence_level else None,
        "n": o.n,
        "population": o.population or "",
        "intervention": o.intervention or "",
        "alterations": [kb.alteration(a).notation for a in o.alterations],
        "agents": [kb.agent(a).name for a in o.agents],
        "trials": list(o.trial_ids),
        "results": [f"{r.measure}: {r.value_text}" for r in o.results],
        "citations": _citations(kb, o.citations),
        "section": o.section,
    }


def _interaction_row(kb: Any, i: Any) -> dict[str, Any]:
    return {
        "id": i.id,
        "source": i.source,
        "target": i.target,
        "effect": str(i.effect.value).replace("_", " "),
        "level": str(i.level.value).replace("_", " "),
        "certainty": str(i.certainty.value),
        "context": i.context or "",
        "summary": i.summary or "",
        "citations": _citations(kb, i.citations),
        "section": i.section,
    }


def _contains(row: dict[str, Any], phrase: str) -> bool:
    flat = " ".join(str(v) for v in row.values()).casefold()
    return phrase.casefold() in flat


def evidence_query(params: Params) -> dict[str, Any]:
    """The Evidence page's result for a query: interactions, outcomes, agents, trials.

    Examples
    --------
    >>> r = evidence_query(Params({"alteration": "BRAF V600E", "level": "B"}))
    >>> r["counts"]["outcomes"] >= 1 and all(o["level"] == "B" for o in r["outcomes"])
    True
    """
    kb = load_knowledge()
    query = {k: params.text(k) or None for k in ("alteration", "drug", "gene", "trial")}
    level = params.choice("level", ("", *LEVELS), "") or None
    phrase = params.text("q")
    if any(query.values()):
        report = evidence(**query, kb=kb)
        interactions, outcomes = report.interactions, report.outcomes
        agents: list[Any] = [a.agent for a in report.agents]
        trials: list[Any] = list(report.trials)
        alterations = [{"notation": r.record.notation, "role": r.role} for r in report.alterations]
    else:
        interactions, outcomes = tuple(kb.interactions), tuple(kb.outcomes)
        agents, trials, alterations = [], [], []
    out_rows = [_outcome_row(kb, o) for o in outcomes]
    int_rows = [_interaction_row(kb, i) for i in interactions]
    if level:
        out_rows = [r for r in out_rows if r["level"] == level]
    if phrase:
        out_rows = [r for r in out_rows if _contains(r, phrase)]
        int_rows = [r for r in int_rows if _contains(r, phrase)]
    counts = {"interactions": len(int_rows), "outcomes": len(out_rows)}
    return {
        "query": {**query, "level": level, "q": phrase or None},
        "counts": counts,
        "alterations": alterations,
        "agents": [
            {
                "name": a.name,
                "kind": str(a.kind.value),
                "drug_class": a.drug_class,
                "targets": list(a.targets),
                "trials": [t.nct_id or t.id for t in kb.trials_of(a)],
            }
            for a in agents[:MAX_ROWS]
        ],
        "trials": [
            {
                "id": t.nct_id or t.id,
                "acronym": t.acronym,
                "phase": t.phase,
                "status": t.status,
                "title": t.title,
                "citations": _citations(kb, t.citations),
                "dosimetry_criterion": (
                    t.dosimetry_criterion.model_dump(mode="json", exclude_none=True)
                    if t.dosimetry_criterion is not None
                    else None
                ),
            }
            for t in trials[:MAX_ROWS]
        ],
        "interactions": int_rows[:MAX_ROWS],
        "outcomes": out_rows[:MAX_ROWS],
    }


def _params(request: Request) -> Params:
    return Params(request.query_params, web_state(request).limits.max_text)


async def evidence_page(request: Request) -> Response:
    """``GET /evidence``: the search form and, when a query is given, its records."""
    params = _params(request)
    searched = any(params.text(k) for k in ("alteration", "drug", "gene", "trial", "level", "q"))
    result = evidence_query(params) if searched else None
    return page(request, "evidence.html", result=result, levels=LEVELS, q=request.query_params)


async def evidence_api(request: Request) -> Response:
    """``GET /api/evidence``: the same query as JSON."""
    return json_response(evidence_query(_params(request)))


async def names_api(request: Request) -> Response:
    """``GET /api/names?kind=KIND``: the names a field accepts, for autocomplete."""
    kind = _params(request).choice("kind", NAME_KINDS, "alteration")
    return json_response({"kind": kind, "names": names(kind)})


ROUTES = [
    Route("/evidence", evidence_page),
    Route("/api/evidence", evidence_api),
    Route("/api/names", names_api),
]
