"""No data file pastes the review: no run of 8 or more words shared with its text.

The project paraphrases Liu et al. (2023), Drug Resist. Updat. 68:100939
(doi:10.1016/j.drup.2023.100939); ``tools/copied_text.py`` finds runs of at least
8 words (case-folded, punctuation ignored, numbers not counted as words) that a
free-text field of a knowledge-base, cohort or example YAML file shares with the
review. The review's text is not in the repository: the check uses its fingerprint
(``data/review_fingerprint.txt``, hashes of every 8-word run), which is compared
with the text itself where the text is at hand (``$RAIRLAB_REVIEW_TEXT``, or the
one ``shared/seed/*.txt`` beside or inside the checkout).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    path = ROOT / "tools" / "copied_text.py"
    spec = importlib.util.spec_from_file_location("rairlab_tools_copied_text", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


copied = _load()


def _review_text() -> Path | None:
    named = os.environ.get("RAIRLAB_REVIEW_TEXT")
    if named:
        return Path(named)
    for folder in (ROOT / "shared" / "seed", ROOT.parent / "shared" / "seed"):
        texts = sorted(folder.glob("*.txt"))
        if len(texts) == 1:
            return texts[0]
    return None


def test_no_data_file_holds_a_run_copied_from_the_review() -> None:
    files = copied.data_files()
    assert len(files) > 30, files  # the globs still find the data
    found = copied.copied_runs(files, copied.read_fingerprint())
    assert not found, "paraphrase these runs of the review:\n" + "\n".join(map(str, found))


def test_the_fingerprint_is_that_of_the_review_text() -> None:
    review = _review_text()
    if review is None or not review.is_file():
        pytest.skip("the review's text is not here (set RAIRLAB_REVIEW_TEXT)")
    stored = copied.read_fingerprint()
    assert stored == copied.fingerprint(review.read_text(encoding="utf-8")), (
        "rewrite it: python tools/copied_text.py --fingerprint REVIEW.txt"
    )


REVIEW = (
    "Thyroid cancer is the most prevalent endocrine tumor and its incidence \n"
    "is fast-growing worldwide. Patients with aggres\nsive disease had an HR of \n"
    "1.07, 95% CI 0.61-1.87 in the pooled analysis of 2019 and 2020."
)


def test_the_checker_finds_pasted_text_and_only_that(tmp_path: Path) -> None:
    hashes = copied.fingerprint(REVIEW)
    data = tmp_path / "references.yaml"
    data.write_text(
        "- key: a2020\n"
        "  title: Thyroid cancer is the most prevalent endocrine tumor and its incidence\n"
        "  summary: >-\n"
        "    As the review puts it, THYROID cancer is the most-prevalent endocrine\n"
        "    tumor; it grows.\n"
        "  context: Thyroid cancer is the most prevalent endocrine tumour\n"
        "  note: HR of 1.07, 95% CI 0.61-1.87 in the pooled\n"
        "  rows: ['Patients with aggressive disease had an HR of 1.07, 95% CI']\n",
        encoding="utf-8",
    )
    found = copied.copied_runs([data], hashes)
    assert [(r.field, r.line, r.words) for r in found] == [
        ("[0].summary", 3, 8),  # case and punctuation do not matter
        ("[0].rows[0]", 8, 9),  # a word the review breaks over a line is joined
    ]
    assert found[0].text == "THYROID cancer is the most-prevalent endocrine tumor"
    assert found[1].text == "Patients with aggressive disease had an HR of 1.07, 95% CI"
    # not found: the title (bibliographic in references.yaml), the context (7 words
    # before "tumour"), the note (12 shared tokens, but numbers are not words)


def test_words_are_normalized() -> None:
    assert [w.text for w in copied.words("ＢＲＡＦ V600E-positive, RAI‐refractory")] == [
        "braf",
        "v600e",
        "positive",
        "rai",
        "refractory",
    ]
    assert copied.review_words("aggres\nsive disease \nand\nMore") == [
        "aggressive",
        "disease",
        "and",
        "more",
    ]
