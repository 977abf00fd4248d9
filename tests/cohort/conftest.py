"""Shared small trial specs for the cohort tests."""

from __future__ import annotations

from typing import Any

import pytest


def small_spec(n: int = 40, **over: Any) -> dict[str, Any]:
    """A two-arm spec that runs in a second or two (steady-state network)."""
    spec: dict[str, Any] = {
        "name": "test trial",
        "seed": 11,
        "population": {"setting": "distant_metastatic", "n": n, "refractory": False},
        "arms": [
            {"name": "RAI alone", "therapy": {"activity_mbq": 5550}},
            {
                "name": "dabrafenib + trametinib",
                "drugs": [{"name": "dabrafenib"}, {"name": "trametinib"}],
                "drug_weeks": 4,
                "therapy": {"dosimetry_guided": True, "require_threshold": True},
            },
        ],
        "simulation": {"network": "steady_state"},
    }
    spec.update(over)
    return spec


@pytest.fixture
def make_spec() -> Any:
    """The `small_spec` factory."""
    return small_spec
