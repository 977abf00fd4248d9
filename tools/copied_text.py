"""Find text copied from the review into data files: runs of 8 or more words in a row.

The project paraphrases the review it summarizes (Liu et al. 2023, Drug Resist.
Updat. 68:100939, doi:10.1016/j.drup.2023.100939) and never pastes its sentences
(``docs/knowledge-base.md``). This checker reads every free-text field of a YAML
data file and reports each run of text that also follows in the review and
holds at least `RUN_WORDS` words. Text is compared case-folded and
NFKC-normalized as runs of letters and digits, punctuation ignored
(``RAI-refractory`` and ``RAI refractory`` are the same two tokens); a word the
review's text breaks over a line (``aggres`` / ``sive``, the PDF extraction
drops the hyphen) is joined again. Only tokens with a letter count as words:
numbers are kept exact, so ``HR 1.07, 95% CI 0.61-1.87`` is two words, not eight.

The review's text is under its publisher's licence and is not in the repository.
What the check needs from it is its *fingerprint*: a short hash of every run of
`RUN_WORDS` words (``tests/knowledge/data/review_fingerprint.txt``), from which
the text cannot be read back. ``--fingerprint REVIEW.txt`` writes it again.

Exempt, by file and key (`EXEMPT`): bibliographic fields (authors, titles of
cited works, journals, citations), names of agents and genes, and the Table 1
fields the knowledge-base documentation keeps "as printed" (registry titles,
interventions, targets).

Usage::

    python tools/copied_text.py --review REVIEW.txt FILE.yaml ...   # from the text
    python tools/copied_text.py FILE.yaml ...                      # from the fingerprint
    python tools/copied_text.py --fingerprint REVIEW.txt           # rewrite the fingerprint
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: The shortest run of shared words reported.
RUN_WORDS = 8
#: Hashes of every run of `RUN_WORDS` words of the review (one per line, sorted).
FINGERPRINT = ROOT / "tests" / "knowledge" / "data" / "review_fingerprint.txt"
#: The data files checked (globs under the repository root).
DATA_GLOBS = (
    "src/rairlab/**/*.yaml",
    "examples/**/*.yaml",
)
#: Keys whose text is not prose: by file name, ``"*"`` for every file.
EXEMPT: dict[str, frozenset[str]] = {
    # a citation names a work: authors, title, journal, year (bibliographic facts)
    "*": frozenset({"citation"}),
    "references.yaml": frozenset({"authors", "title", "journal"}),
    # names are kept as printed (docs/knowledge-base.md), however many words they have
    "agents.yaml": frozenset({"name", "display_name", "aliases"}),
    "genes.yaml": frozenset({"name", "aliases"}),
    "source.yaml": frozenset({"authors", "title", "journal", "journal_abbrev"}),
    # docs/knowledge-base.md: "registry title, as printed", interventions "as printed",
    # targets "as printed in Table 1"
    "trials.yaml": frozenset({"title", "interventions", "targets"}),
}

_WORD = re.compile(r"[^\W_]+")
# a word broken over a line by the PDF extraction: a letter, then the line break
# (no space before it), then a lower-case letter
_BROKEN_WORD = re.compile(r"(?<=[^\W\d_])\n(?=[a-z])")
_HASH_BYTES = 6  # 48 bits: a chance collision among ~10^4 x 10^4 runs is ~10^-7


@dataclass(frozen=True)
class Word:
    """One normalized word of a text and where it stands in it (``text[start:end]``)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class CopiedRun:
    """A run of at least `RUN_WORDS` words of a field that also follows in the review."""

    path: str
    line: int
    field: str
    words: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.words} words: {self.text!r}"


def words(text: str) -> list[Word]:
    """The words of `text`: runs of letters and digits, NFKC-normalized and case-folded.

    Examples
    --------
    >>> [w.text for w in words("RAI-refractory DTC (n = 10)")]
    ['rai', 'refractory', 'dtc', 'n', '10']
    """
    return [
        Word(unicodedata.normalize("NFKC", m.group()).casefold(), m.start(), m.end())
        for m in _WORD.finditer(text)
    ]


def review_words(text: str) -> list[str]:
    """The words of the review's extracted text, with words broken over lines joined.

    Examples
    --------
    >>> review_words("patients with aggres\\nsive disease \\nand more")
    ['patients', 'with', 'aggressive', 'disease', 'and', 'more']
    """
    return [w.text for w in words(_BROKEN_WORD.sub("", text))]


def run_hash(run: Iterable[str]) -> str:
    """The fingerprint entry of a run of words (a truncated BLAKE2b hash, hex)."""
    return hashlib.blake2b(" ".join(run).encode(), digest_size=_HASH_BYTES).hexdigest()


def fingerprint(review_text: str, n: int = RUN_WORDS) -> set[str]:
    """Hashes of every run of `n` consecutive words of the review."""
    seq = review_words(review_text)
    return {run_hash(seq[i : i + n]) for i in range(len(seq) - n + 1)}


def read_fingerprint(path: Path = FINGERPRINT) -> set[str]:
    """The stored fingerprint (`write_fingerprint`'s file)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def write_fingerprint(review_text: str, path: Path = FINGERPRINT) -> int:
    """Write the fingerprint of `review_text` to `path`; return the number of hashes."""
    hashes = sorted(fingerprint(review_text))
    header = (
        f"# Hashes of every run of {RUN_WORDS} words of Liu et al. 2023 (doi:10.1016/"
        "j.drup.2023.100939), written by tools/copied_text.py --fingerprint; the text "
        "cannot be read back from them.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n".join(hashes) + "\n", encoding="utf-8")
    return len(hashes)


def shared_runs(
    text: str, hashes: set[str], n: int = RUN_WORDS, least: int = RUN_WORDS
) -> list[tuple[int, int, int]]:
    """Maximal runs of `text` shared with the review that hold at least `least` words.

    A run is a stretch of tokens whose every `n` consecutive tokens are in
    `hashes`; its words are its tokens with a letter (see the module docstring).
    Returns ``(start, end, number of words)`` with ``text[start:end]`` the run.

    Examples
    --------
    >>> review = "the quick brown fox jumps over the lazy dog again"
    >>> shared_runs("Yes: the quick brown fox jumps over the lazy dog.", fingerprint(review))
    [(5, 48, 9)]
    >>> shared_runs("HR 1.07, 95% CI 0.61-1.87", fingerprint("an HR 1.07, 95% CI 0.61-1.87"))
    []
    """
    seq = words(text)
    spans: list[list[int]] = []  # [first token, one past the last token]
    for i in range(len(seq) - n + 1):
        if run_hash(w.text for w in seq[i : i + n]) in hashes:
            if spans and i < spans[-1][1]:  # overlaps the last run: extend it
                spans[-1][1] = i + n
            else:
                spans.append([i, i + n])
    runs = []
    for a, b in spans:
        count = sum(1 for w in seq[a:b] if not w.text.isdigit())
        if count >= least:
            runs.append((seq[a].start, seq[b - 1].end, count))
    return runs


def _fields(node: yaml.Node, field: str) -> Iterator[tuple[str, int, str]]:
    """``(field path, 1-based line, text)`` of every string scalar under `node`."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = str(key.value)
            yield from _fields(value, f"{field}.{name}" if field else name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _fields(item, f"{field}[{i}]")
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        yield field, node.start_mark.line + 1, str(node.value)


def _key(field: str) -> str:
    """The last key of a field path (``[3].results[0].note`` -> ``note``)."""
    return re.sub(r"\[\d+\]$", "", field).rsplit(".", 1)[-1].lstrip("[")


def free_text(path: Path) -> Iterator[tuple[str, int, str]]:
    """The free-text fields of a YAML file, exempt keys (`EXEMPT`) left out."""
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    exempt = EXEMPT["*"] | EXEMPT.get(path.name, frozenset())
    if node is not None:
        for field, line, text in _fields(node, ""):
            if _key(field) not in exempt:
                yield field, line, text


def copied_runs(paths: Iterable[Path], hashes: set[str]) -> list[CopiedRun]:
    """Every run of at least `RUN_WORDS` review words in the free text of `paths`."""
    found: list[CopiedRun] = []
    for path in paths:
        shown = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        for field, line, text in free_text(path):
            for start, end, count in shared_runs(text, hashes):
                found.append(CopiedRun(shown, line, field, count, text[start:end]))
    return found


def data_files(root: Path = ROOT) -> list[Path]:
    """The data files the check covers (`DATA_GLOBS`)."""
    return sorted({p for pattern in DATA_GLOBS for p in root.glob(pattern)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="YAML files (default: DATA_GLOBS)")
    parser.add_argument("--review", type=Path, help="the review's extracted text")
    parser.add_argument("--fingerprint", type=Path, metavar="REVIEW", help="rewrite it")
    args = parser.parse_args(argv)
    if args.fingerprint:
        count = write_fingerprint(args.fingerprint.read_text(encoding="utf-8"))
        print(f"{FINGERPRINT.relative_to(ROOT)}: {count} hashes")
        return 0
    hashes = (
        fingerprint(args.review.read_text(encoding="utf-8")) if args.review else read_fingerprint()
    )
    found = copied_runs([p.resolve() for p in args.files] or data_files(), hashes)
    for run in found:
        print(run)
    print(f"{len(found)} copied run(s) of >= {RUN_WORDS} words")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
