"""HGVS sequence-variant nomenclature: the grammar of protein (``p.``) and cDNA (``c.``) changes.

A protein change is read in one- or three-letter amino-acid codes
(``V600E`` = ``Val600Glu``, optionally in parentheses, ``(Val600Glu)``, as HGVS
writes a predicted consequence) and normalized to one-letter codes, so both
spellings name the same knowledge-base record. The codes come from the data file
``data/hgvs/amino_acids.yaml``, which cites the HGVS recommendations.

References
----------
den Dunnen JT et al. (2016) HGVS recommendations for the description of sequence
variants: 2016 update. Hum. Mutat. 37:564-569. doi:10.1002/humu.22981
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType

from rairlab._cited import line_of, read_yaml
from rairlab.errors import DataFileError

__all__ = [
    "AMINO_ACIDS_FILE",
    "AminoAcidCodes",
    "ProteinChange",
    "amino_acid_codes",
    "is_cdna_change",
    "parse_protein_change",
    "position_only",
]

AMINO_ACIDS_FILE = "hgvs/amino_acids.yaml"
_STOP = "*"
# the longest human protein (titin) has about 35,000 residues: six digits are plenty
_POSITION = r"(?P<pos>[1-9][0-9]{0,5})"
# fs, fs*12, fsTer12, fs*? (HGVS frame shift, short or with the new stop's position)
_FRAMESHIFT = r"fs(?:\*|Ter)?(?:[1-9][0-9]{0,5}|\?)?"
_CDNA_POSITION = r"[-*]?[0-9]{1,9}(?:[+-][0-9]{1,9})?"
_CDNA = re.compile(
    rf"{_CDNA_POSITION}(?:_{_CDNA_POSITION})?"
    r"(?:[ACGT]>[ACGT]|delins[ACGT]+|del[ACGT]*|dup[ACGT]*|ins[ACGT]+|inv)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AminoAcidCodes:
    """The amino-acid codes of ``data/hgvs/amino_acids.yaml`` and the patterns built from them.

    Attributes
    ----------
    one_letter
        Case-folded one- or three-letter code -> one-letter code (``"val"`` -> ``"V"``,
        ``"ter"`` -> ``"*"``).
    three_letter
        One-letter code -> three-letter code (``"V"`` -> ``"Val"``).
    change
        A protein change without ``p.``: reference residue, position, then a new
        residue (optionally a frame shift), a frame shift, ``del``, ``dup`` or ``=``.
    position_only
        A reference residue and position with nothing after them (``Q61``).
    """

    one_letter: Mapping[str, str]
    three_letter: Mapping[str, str]
    change: re.Pattern[str]
    position_only: re.Pattern[str]


def _alternatives(codes: Mapping[str, str], stop: bool) -> str:
    """Regex alternation of the codes: three-letter ones first, then a class of one-letter ones."""
    three = sorted(k for k, v in codes.items() if stop or v != _STOP)
    one = sorted({v for v in codes.values() if stop or v != _STOP})
    return "(?:" + "|".join(three) + "|[" + re.escape("".join(one)) + "])"


@functools.cache
def amino_acid_codes() -> AminoAcidCodes:
    """Read the amino-acid codes (once per process).

    Raises
    ------
    DataFileError
        If the file is missing, is not YAML, or is not one cited record whose
        ``codes`` map three-letter codes to one-letter codes.
    """
    entry = files("rairlab.knowledge") / "data" / AMINO_ACIDS_FILE
    where = str(entry)
    data = read_yaml(entry)
    record = data[0] if isinstance(data, list) and len(data) == 1 else None
    codes = record.get("codes") if isinstance(record, dict) and record.get("citation") else None
    if not isinstance(codes, dict) or not all(
        isinstance(k, str) and len(k) == 3 and isinstance(v, str) and len(v) == 1
        for k, v in codes.items()
    ):
        raise DataFileError(
            where,
            "expected one record with a citation and 'codes': {three-letter: one-letter}",
            line_of(record, "codes"),
        )
    one_letter = {k.casefold(): v for k, v in codes.items()}
    one_letter |= {v.casefold(): v for v in codes.values()}
    residue, residue_or_stop = _alternatives(codes, stop=False), _alternatives(codes, stop=True)
    change = re.compile(
        rf"(?P<ref>{residue}){_POSITION}"
        rf"(?:(?P<alt>{residue_or_stop})(?P<fs>{_FRAMESHIFT})?|(?P<edit>{_FRAMESHIFT}|del|dup|=))",
        re.IGNORECASE,
    )
    return AminoAcidCodes(
        one_letter=MappingProxyType(one_letter),
        three_letter=MappingProxyType({v: k for k, v in codes.items()}),
        change=change,
        position_only=re.compile(rf"(?P<ref>{residue}){_POSITION}", re.IGNORECASE),
    )


@dataclass(frozen=True)
class ProteinChange:
    """A protein change in one-letter codes.

    Attributes
    ----------
    ref
        The reference residue (``"V"``).
    position
        Its position in the protein (600).
    alt
        The new residue, ``"*"`` for a stop, or ``""`` (frame shift, ``del``, ``dup``, ``=``).
    tail
        ``"fs"``/``"fs*12"``, ``"del"``, ``"dup"``, ``"="`` or ``""``.
    """

    ref: str
    position: int
    alt: str = ""
    tail: str = ""

    def __str__(self) -> str:
        return f"p.{self.ref}{self.position}{self.alt}{self.tail}"

    @property
    def synonymous(self) -> bool:
        """True for ``p.V600=``: the protein is unchanged."""
        return self.tail == "="


def _unwrap(text: str) -> str:
    """``(Val600Glu)`` -> ``Val600Glu`` (HGVS brackets a predicted consequence)."""
    text = text.strip()
    if len(text) > 1 and text[0] == "(" and text[-1] == ")":
        return text[1:-1].strip()
    return text


def parse_protein_change(text: str) -> ProteinChange | None:
    """Read a protein change written without ``p.``; ``None`` if it is not one.

    Examples
    --------
    >>> str(parse_protein_change("Val600Glu")), str(parse_protein_change("(v600e)"))
    ('p.V600E', 'p.V600E')
    >>> str(parse_protein_change("Arg97ProfsTer23")), str(parse_protein_change("Gln61Ter"))
    ('p.R97Pfs*23', 'p.Q61*')
    >>> parse_protein_change("Q61") is None
    True
    """
    codes = amino_acid_codes()
    m = codes.change.fullmatch(_unwrap(text))
    if m is None:
        return None
    tail = (m["fs"] or m["edit"] or "").casefold().replace("ter", _STOP)
    return ProteinChange(
        ref=codes.one_letter[m["ref"].casefold()],
        position=int(m["pos"]),
        alt=codes.one_letter[m["alt"].casefold()] if m["alt"] else "",
        tail=tail,
    )


def position_only(text: str) -> tuple[str, int] | None:
    """``(ref, position)`` of a change that stops after the position (``Q61``), else ``None``.

    Examples
    --------
    >>> position_only("Gln61"), position_only("Q61R")
    (('Q', 61), None)
    """
    codes = amino_acid_codes()
    m = codes.position_only.fullmatch(_unwrap(text))
    return None if m is None else (codes.one_letter[m["ref"].casefold()], int(m["pos"]))


def is_cdna_change(text: str) -> bool:
    """Whether `text` (without ``c.``) is a well-formed cDNA change.

    Examples
    --------
    >>> is_cdna_change("1799T>A"), is_cdna_change("-124C>T"), is_cdna_change("1799T")
    (True, True, False)
    """
    return _CDNA.fullmatch(text.strip()) is not None
