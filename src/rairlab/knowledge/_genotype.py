"""Reading genotype text such as ``"BRAF p.V600E; TERT C228T"`` into knowledge-base alterations.

The one genotype parser of rairlab. Rules, in order, for each part of the text:

1. The whole text, then each part between ``;`` or ``,``, is looked up among the
   alterations' ids, notations, aliases and cDNA names (case-insensitive, spaces
   and the ``p.`` prefix ignored). This is how the combination notation
   ``BRAF p.V600E + TERT promoter mut`` resolves before ``+`` splits anything.
2. A part that is not known is split on ``+``.
3. A fusion written ``A::B``, ``A-B`` or ``A/B`` between two gene symbols is
   looked up as ``A::B``; an unlisted fusion of a gene with a ``<gene> fusion``
   record maps to that record, keeping the fusion's text.
4. A protein change ``<gene> p.<change>`` (also ``<gene>:p.<change>``, or without
   ``p.``) is read in HGVS one- or three-letter amino-acid codes and normalized to
   one-letter codes (``BRAF p.Val600Glu`` = ``BRAF p.(V600E)`` = ``BRAF p.V600E``;
   :mod:`rairlab.knowledge._hgvs`). One with no record of its own maps to the
   gene's ``<gene> mut`` class record, keeping the variant's text
   (``NRAS p.Gln61Arg`` -> ``NRAS mut``, ``p.Q61R``).
5. A cDNA change ``<gene> c.<change>`` is accepted where a record names it
   (``BRAF c.1799T>A`` = ``BRAF p.V600E``; ``TERT c.-124C>T`` = ``C228T``).
6. ``wt``, ``wild type``, ``none`` or the empty text is the empty genotype; a
   part ``<gene> wt`` adds nothing.

A malformed change (``HRAS p.Q61``: no new residue; ``BRAF p.V600=``: no change of
the protein; a reference residue that contradicts a record), a text of separators
only (``;;``, ``+``, ``-``, blanks) or one longer than :data:`MAX_GENOTYPE_CHARS`
raises :class:`~rairlab.errors.InvalidValueError` naming the expected form; an
unknown name raises :class:`~rairlab.errors.UnknownNameError` with close matches.
Errors quote at most the first 60 characters of the text. Parsing takes time
linear in the length of the text.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from rairlab.errors import InvalidValueError, RairlabError, UnknownNameError
from rairlab.knowledge._hgvs import (
    ProteinChange,
    amino_acid_codes,
    is_cdna_change,
    parse_protein_change,
    position_only,
)
from rairlab.knowledge._schemas import Alteration, AlterationType, Effect, Gene

__all__ = [
    "MAX_GENOTYPE_CHARS",
    "AlterationRecords",
    "Genotype",
    "ParsedAlteration",
    "parse_genotype",
]

MAX_GENOTYPE_CHARS = 1000
"""The longest genotype text accepted, in characters (a longer one is an error)."""

_QUOTE_CHARS = 60
_HINT = "rairlab evidence --list alterations"
_WILD_TYPE = frozenset({"", "wt", "wildtype", "wild type", "wild-type", "none", "negative"})
_SEPARATORS_ONLY = re.compile(r"[\s;,+\-]+")
_GENE_WT = re.compile(r"^(?P<gene>\S+?)(?:\s+|-)(?:wt|wild[\s-]?type)$", re.IGNORECASE)
_FUSION_SEPARATORS = ("::", "/", "-")
# "<gene> p.<change>", "<gene>:c.<change>", "TERT promoter c.<change>", "p.<change>"
_PREFIXED = re.compile(
    r"(?:(?P<gene>[^\s:()]+?)(?P<promoter>\s+promoter)?\s*:?\s*)?"
    r"(?P<kind>[pc])\.\s*(?P<change>\S+)",
    re.IGNORECASE,
)
# "<gene> V600E", "<gene> Val600Glu", "TERT promoter C228T"
_UNPREFIXED = re.compile(
    r"(?P<gene>\S+?)(?P<promoter>\s+promoter)?\s+(?P<change>[A-Za-z]{1,3}[0-9]\S*)",
    re.IGNORECASE,
)
_EXAMPLE = "'BRAF p.V600E' or 'BRAF p.Val600Glu'"


class AlterationRecords(Protocol):
    """What the parser reads of a knowledge base (a :class:`~rairlab.knowledge.KnowledgeBase`).

    The parser needs this much and no more, so ``KnowledgeBase.alteration`` parses
    with it while this module does not import the knowledge base (no import cycle).
    """

    @property
    def alterations(self) -> tuple[Alteration, ...]:
        """The alteration records, in file order."""
        ...

    @property
    def genes(self) -> tuple[Gene, ...]:
        """The gene records, in file order."""
        ...

    def find_gene(self, name: str) -> Gene | None:
        """The gene with this symbol or alias (case-insensitive), or ``None``."""
        ...


def _quote(text: str, strip: bool = True) -> str:
    """`text` (stripped) cut to its first 60 characters with "…": what errors quote.

    Examples
    --------
    >>> _quote("  BRAF V600E ")
    'BRAF V600E'
    >>> len(_quote("A" * 5000))
    61
    """
    text = text.strip() if strip else text
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "…"


def _key(text: str) -> str:
    """Lookup key of an alteration name: case-folded, no spaces, no ``p.``.

    Examples
    --------
    >>> _key("BRAF p.V600E") == _key("brafv600e") == _key("BRAF V600E")
    True
    """
    key = re.sub(r"\s+", "", text.casefold().replace("–", "-").replace("—", "-"))
    key = key.replace("p.", "")
    key = re.sub(r"(mutations?|mutant|mutated)$", "mut", key)
    return re.sub(r"fusions$", "fusion", key)


@dataclass(frozen=True)
class ParsedAlteration:
    """One alteration of a genotype, resolved to a knowledge-base record.

    Attributes
    ----------
    id, notation, gene, type, effect, parent
        Copied from the alteration record.
    variant
        The specific variant the text named when it maps to a class record
        (``"p.Q61R"`` for ``NRAS p.Q61R`` -> ``NRAS mut``; ``"AGK::BRAF"``-style
        text for an unlisted fusion); ``None`` otherwise.
    """

    id: str
    notation: str
    gene: str | None
    type: AlterationType
    effect: Effect
    parent: str | None = None
    variant: str | None = None

    @classmethod
    def of(cls, record: Alteration, variant: str | None = None) -> ParsedAlteration:
        """Build from a record, optionally keeping the specific variant's text."""
        return cls(
            id=record.id,
            notation=record.notation,
            gene=record.gene,
            type=record.type,
            effect=record.effect,
            parent=record.parent,
            variant=variant,
        )

    @property
    def text(self) -> str:
        """Canonical text: the record's notation, or the specific variant it stands for."""
        if self.variant is None:
            return self.notation
        if "::" in self.variant or self.gene is None:
            return self.variant
        return f"{self.gene} {self.variant}"


@dataclass(frozen=True)
class Genotype:
    """The alterations of a tumour, in the order written (duplicates dropped).

    ``str(genotype)`` is the canonical text, which parses back to an equal genotype.
    """

    alterations: tuple[ParsedAlteration, ...] = ()
    text: str = field(default="", compare=False)

    def __len__(self) -> int:
        return len(self.alterations)

    def __iter__(self) -> Iterator[ParsedAlteration]:
        return iter(self.alterations)

    def __str__(self) -> str:
        return "; ".join(a.text for a in self.alterations) or "wild type"

    @property
    def ids(self) -> tuple[str, ...]:
        """The alteration record ids, in order."""
        return tuple(a.id for a in self.alterations)

    @property
    def is_wild_type(self) -> bool:
        """True when no alteration is present."""
        return not self.alterations


@dataclass(frozen=True)
class _Index:
    keys: Mapping[str, Alteration]
    by_notation: Mapping[str, Alteration]
    choices: tuple[str, ...]
    # (gene, position) -> reference residue and the records of protein variants there
    sites: Mapping[tuple[str, int], tuple[str, tuple[str, ...]]]
    max_words: int  # the most words of any alteration name
    max_fusion_chars: int  # the longest text that can be "<gene><sep><gene>"


# marks a "<gene> wt" part, which adds no alteration
_NOTHING = ParsedAlteration("", "", None, AlterationType.GENE_CLASS, Effect.UNKNOWN)

_INDEXES: weakref.WeakKeyDictionary[AlterationRecords, _Index] = weakref.WeakKeyDictionary()


def _index(kb: AlterationRecords) -> _Index:
    cached = _INDEXES.get(kb)
    if cached is not None:
        return cached
    keys: dict[str, Alteration] = {}
    bare: dict[str, list[Alteration]] = {}
    sites: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = {}
    for alt in kb.alterations:
        gene = alt.gene or ""
        cdna = (alt.hgvs_c,) if alt.hgvs_c else ()
        for name in (alt.id, alt.notation, *alt.aliases, *cdna):
            keys.setdefault(_key(name), alt)
        for alias in (*alt.aliases, *cdna):  # "TERT C228T" from the alias C228T
            if gene and not _key(alias).startswith(_key(gene)):
                keys.setdefault(_key(f"{gene} {alias}"), alt)
        if gene and alt.notation.upper().startswith(gene.upper() + " "):
            bare.setdefault(_key(alt.notation[len(gene) + 1 :]), []).append(alt)
        for c in cdna:
            bare.setdefault(_key(c), []).append(alt)
        for name in (alt.notation, *alt.aliases):  # one-letter key of a three-letter name
            found = _split_protein(kb, name)
            if found is None or found[0] != alt.gene:
                continue
            symbol, change = found
            keys.setdefault(_key(f"{symbol} {change}"), alt)
            ref, names = sites.get((symbol, change.position), (change.ref, ()))
            sites[symbol, change.position] = (ref, tuple(dict.fromkeys((*names, alt.notation))))
    for key, alts in bare.items():  # "V600E", "c.-124C>T" when one record has it
        if len({a.id for a in alts}) == 1:
            keys.setdefault(key, alts[0])
    by_notation = {alt.notation.casefold(): alt for alt in kb.alterations}
    choices = tuple(dict.fromkeys(n for a in kb.alterations for n in (a.notation, *a.aliases)))
    longest_gene = max((len(n) for g in kb.genes for n in (g.symbol, *g.aliases)), default=0)
    words = max((len(n.split()) for n in choices), default=1)
    index = _Index(keys, by_notation, choices, sites, words, 2 * longest_gene + 8)
    _INDEXES[kb] = index
    return index


def _split_protein(kb: AlterationRecords, name: str) -> tuple[str, ProteinChange] | None:
    """``("BRAF", p.V600E)`` for a record name ``BRAF p.Val600Glu``; ``None`` if not one."""
    m = _PREFIXED.fullmatch(name.strip()) or _UNPREFIXED.fullmatch(name.strip())
    if m is None or not m["gene"] or (m.groupdict().get("kind") or "p").lower() != "p":
        return None
    gene = kb.find_gene(m["gene"])
    change = parse_protein_change(m["change"])
    if gene is None or change is None:
        return None
    return gene.symbol, change


def _fusion(kb: AlterationRecords, idx: _Index, part: str) -> ParsedAlteration | None:
    text = part.strip()
    if len(text) > idx.max_fusion_chars:  # longer than two gene names: no fusion
        return None
    for sep in _FUSION_SEPARATORS:
        pieces = text.split(sep)
        # try every split point, so hyphenated symbols such as NKX2-1 stay whole
        for cut in range(1, len(pieces)):
            five = kb.find_gene(sep.join(pieces[:cut]).strip())
            three = kb.find_gene(sep.join(pieces[cut:]).strip())
            if five is None or three is None:
                continue
            name = f"{five.symbol}::{three.symbol}"
            hit = idx.keys.get(_key(name))
            if hit is not None:
                return ParsedAlteration.of(hit)
            fallback = idx.by_notation.get(f"{three.symbol} fusion".casefold())
            if fallback is not None:
                return ParsedAlteration.of(fallback, variant=name)
    return None


def _variant(kb: AlterationRecords, idx: _Index, part: str) -> ParsedAlteration | None:
    """A protein or cDNA change of a gene (rules 4-5); ``None`` if `part` is not one."""
    text = part.strip()
    m = _PREFIXED.fullmatch(text) or _UNPREFIXED.fullmatch(text)
    if m is None:  # a change alone, "Val600Glu"
        change = parse_protein_change(text)
        hit = idx.keys.get(_key(str(change))) if change and not change.synonymous else None
        return None if hit is None else ParsedAlteration.of(hit)
    kind = (m.groupdict().get("kind") or "p").lower()
    gene = kb.find_gene(m["gene"]) if m["gene"] else None
    if m["gene"] and gene is None:
        return None  # not a gene: an unknown name (whose message may name a variant)
    symbol = gene.symbol if gene is not None else None
    if symbol is not None:  # a record's name with the gene apart: "TERT promoter C228T"
        written = f"{kind}.{m['change']}" if m.groupdict().get("kind") else m["change"]
        hit = idx.keys.get(_key(f"{symbol} {written}"))
        if hit is not None:
            return ParsedAlteration.of(hit)
    if m["promoter"]:
        return None
    if kind == "c":
        return _cdna(kb, idx, text, symbol, m["change"])
    return _protein(kb, idx, text, symbol, m["change"])


def _protein(
    kb: AlterationRecords, idx: _Index, text: str, symbol: str | None, written: str
) -> ParsedAlteration | None:
    change = parse_protein_change(written)
    if change is None:
        raise _malformed_protein(idx, text, symbol, written)
    if change.synonymous:
        raise InvalidValueError(
            "protein change", _quote(text),
            f"a change of the protein; {change} is synonymous (no amino acid changes): "
            "leave it out",
        )  # fmt: skip
    if symbol is None:  # "p.Val600Glu": a record's change without its gene
        hit = idx.keys.get(_key(str(change)))
        return None if hit is None else ParsedAlteration.of(hit)
    site = idx.sites.get((symbol, change.position))
    if site is not None and site[0] != change.ref:
        raise InvalidValueError(
            "protein change", _quote(text),
            f"reference residue {site[0]} at {symbol} position {change.position}, "
            f"as in {' or '.join(map(repr, site[1]))}",
        )  # fmt: skip
    hit = idx.keys.get(_key(f"{symbol} {change}"))
    if hit is not None:
        return ParsedAlteration.of(hit)
    fallback = idx.by_notation.get(f"{symbol} mut".casefold())
    if fallback is not None:
        return ParsedAlteration.of(fallback, variant=str(change))
    why = f"{symbol} has no record for {change} and no '{symbol} mut' class"
    raise _unknown(kb, idx, text, why)


def _malformed_protein(
    idx: _Index, text: str, symbol: str | None, written: str
) -> InvalidValueError:
    gene = f"{symbol} " if symbol else ""
    site = position_only(written)
    if site is None:
        expected = (
            "'<gene> p.<residue><position><new residue>' in one- or three-letter "
            f"amino-acid codes, e.g. {_EXAMPLE} (a stop is '*' or 'Ter')"
        )
        return InvalidValueError("protein change", _quote(text), expected)
    ref, position = site
    known = tuple(  # without a gene: the records of any gene with this residue there
        name
        for (gene_symbol, pos), (residue, names) in idx.sites.items()
        if pos == position and residue == ref and symbol in (None, gene_symbol)
        for name in names
    )
    if known:
        examples = " or ".join(map(repr, known))
    else:
        new = "R" if ref != "R" else "K"
        three = amino_acid_codes().three_letter
        examples = f"'{gene}p.{ref}{position}{new}' or '{gene}p.{three[ref]}{position}{three[new]}'"
    return InvalidValueError(
        "protein change", _quote(text), f"the new residue after the position, e.g. {examples}"
    )


def _cdna(
    kb: AlterationRecords, idx: _Index, text: str, symbol: str | None, written: str
) -> ParsedAlteration | None:
    if not is_cdna_change(written):
        raise InvalidValueError(
            "cDNA change", _quote(text),
            "'<gene> c.<position><edit>' such as 'BRAF c.1799T>A' or 'TERT c.-124C>T'",
        )  # fmt: skip
    if symbol is None:
        return None
    raise _unknown(
        kb, idx, text,
        f"no record gives the protein change of this {symbol} cDNA change: "
        f"write it as '{symbol} p.<change>'",
    )  # fmt: skip


def _resolve(kb: AlterationRecords, idx: _Index, part: str) -> ParsedAlteration | None:
    """One alteration for `part`; `_NOTHING` for a ``<gene> wt`` part; ``None`` if unknown.

    Raises
    ------
    InvalidValueError
        For a malformed protein or cDNA change.
    UnknownNameError
        For a well-formed change of a gene that no record covers.
    """
    hit = idx.keys.get(_key(part))
    if hit is not None:
        return ParsedAlteration.of(hit)
    wt = _GENE_WT.match(part.strip())
    if wt is not None and kb.find_gene(wt["gene"]) is not None:
        return _NOTHING
    return _fusion(kb, idx, part) or _variant(kb, idx, part)


def _unknown(kb: AlterationRecords, idx: _Index, part: str, why: str = "") -> UnknownNameError:
    words = part.split()
    gene = kb.find_gene(part) or kb.find_gene(words[0] if words else part)
    hint = _HINT
    if gene is not None:
        of_gene = [a.notation for a in kb.alterations if gene.symbol in (a.gene, a.partner)]
        listed = ", ".join(repr(n) for n in of_gene) or "none"
        hint += f" ({why + '; ' if why else ''}{gene.symbol} records: {listed})"
    # a known variant or alias inside the text ("XYZ1 V600E" -> BRAF p.V600E); only the
    # last few words (no name is longer), so the search stays linear in the text
    tails = [" ".join(words[-k:]) for k in range(1, min(idx.max_words, len(words) - 1) + 1)]
    pieces = [*reversed(tails), *words]
    also = [idx.keys[_key(p)].notation for p in pieces if _key(p) in idx.keys]
    return UnknownNameError("alteration", _quote(part), idx.choices, hint=hint, also=also)


def _resolve_chunk(kb: AlterationRecords, idx: _Index, chunk: str) -> list[ParsedAlteration]:
    """The alterations of one ``;``/``,`` part: whole, or else split on ``+`` (rule 2)."""
    try:
        hit, error = _resolve(kb, idx, chunk), None
    except RairlabError as exc:  # "BRAF c.1799+1G>A" is whole; "BRAF p.V600E+TERT" is not
        hit, error = None, exc
    if hit is not None:
        return [hit]
    if "+" not in chunk:
        raise error or _unknown(kb, idx, chunk)
    found: list[ParsedAlteration] = []
    for piece in chunk.split("+"):
        if not piece.strip():
            continue
        try:
            one = _resolve(kb, idx, piece)
        except RairlabError:
            if error is not None:
                raise error from None
            raise
        if one is None:
            raise error or _unknown(kb, idx, piece)
        found.append(one)
    return found


def parse_genotype(text: str, kb: AlterationRecords) -> Genotype:
    """Parse genotype text into knowledge-base alterations.

    Parameters
    ----------
    text
        Alterations separated by ``;``, ``,`` or ``+``, e.g.
        ``"BRAF p.V600E; TERT C228T"``; at most :data:`MAX_GENOTYPE_CHARS`
        (1,000) characters. Case-insensitive; notations, aliases (``V600E``,
        ``C228T``, ``RET/PTC1``), ids (``ALT-001``), HGVS protein changes in one-
        or three-letter codes (``BRAF p.Val600Glu``, ``BRAF p.(V600E)``) and the
        cDNA changes the records name (``BRAF c.1799T>A``, ``TERT c.-124C>T``)
        are accepted. ``""``, ``"wt"`` or ``"wild type"`` give the empty genotype.
    kb
        The knowledge base to resolve against (``load_knowledge()`` for the shipped
        one): passed in, so that a parse never reads data behind the caller's back.

    Returns
    -------
    Genotype

    Raises
    ------
    UnknownNameError
        For a part that names no alteration, with close matches.
    InvalidValueError
        If `text` is not a string, is longer than 1,000 characters, holds only
        separators (``;;``, ``+``, ``-``, blanks), or has a malformed protein or
        cDNA change (``HRAS p.Q61``: no new residue); the message names the
        expected form.

    References
    ----------
    den Dunnen JT et al. (2016) HGVS recommendations for the description of
    sequence variants: 2016 update. Hum. Mutat. 37:564-569. doi:10.1002/humu.22981

    Examples
    --------
    >>> from rairlab.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> parse_genotype("wild type", kb).is_wild_type
    True
    >>> parse_genotype("BRAF p.Val600Glu", kb) == parse_genotype("BRAF p.V600E", kb)
    True
    >>> str(parse_genotype("BRAF c.1799T>A; TERT c.-146C>T", kb))
    'BRAF p.V600E; TERT c.-146C>T'
    """
    if not isinstance(text, str):
        shown = text if len(repr(text)) <= _QUOTE_CHARS else _quote(repr(text))
        raise InvalidValueError("genotype", shown, "a text such as 'BRAF p.V600E; TERT C228T'")
    if len(text) > MAX_GENOTYPE_CHARS:
        raise InvalidValueError(
            "genotype", _quote(text),
            f"at most {MAX_GENOTYPE_CHARS:,} characters (got {len(text):,})",
        )  # fmt: skip
    if text == "" or (text.strip() and text.strip().casefold() in _WILD_TYPE):
        return Genotype((), text)
    if _SEPARATORS_ONLY.fullmatch(text):
        raise InvalidValueError(
            "genotype", _quote(text, strip=False),
            "alterations separated by ';' such as 'BRAF p.V600E; TERT C228T' (this one is "
            "empty: give alterations, or leave it out for wild type)",
        )  # fmt: skip
    idx = _index(kb)
    found: list[ParsedAlteration] = []
    whole = idx.keys.get(_key(text))
    chunks = [text] if whole is not None else re.split(r"[;,]", text)
    for chunk in chunks:
        if not chunk.strip() or chunk.strip().casefold() in _WILD_TYPE:
            continue
        found += _resolve_chunk(kb, idx, chunk)
    found = [a for a in found if a is not _NOTHING]
    return Genotype(tuple(dict.fromkeys(found)), text)
