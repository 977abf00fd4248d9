"""rairlab: radioactive-iodine refractoriness in differentiated thyroid cancer, made executable.

A cited knowledge base, a mechanistic network of iodide handling, biokinetics,
dosimetry and radiobiology, and virtual cohorts. Research use only: no output
of rairlab is a treatment recommendation.
"""

from rairlab._version import __version__
from rairlab.errors import RairlabError

RESEARCH_USE_NOTICE = (
    "Research use only. rairlab output is a model result for research; "
    "it is not a diagnosis or a treatment recommendation."
)

__all__ = ["RESEARCH_USE_NOTICE", "RairlabError", "__version__"]
