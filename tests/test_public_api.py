"""The public surface of the top-level package is explicit."""

import rairlab


def test_top_level_all() -> None:
    assert rairlab.__all__ == ["RESEARCH_USE_NOTICE", "RairlabError", "__version__"]
    for name in rairlab.__all__:
        assert hasattr(rairlab, name)


def test_notice_says_research_use_and_not_a_treatment_decision() -> None:
    assert "Research use only" in rairlab.RESEARCH_USE_NOTICE
    assert "not a diagnosis or a treatment recommendation" in rairlab.RESEARCH_USE_NOTICE
