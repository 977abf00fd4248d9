"""Reading genotype text such as ``"BRAF p.V600E; TERT C228T"`` into knowledge-base alterations.

The one genotype parser of rairlab. Rules, in order, for each part of the text:

1. The whole text, then each part between ``;`` or ``,``, is looked up among the
   alterations' ids, notations and aliases (case-insensitive, spaces and the
   ``p.`` prefix ignored). This is how the combination notation
   ``BRAF p.V600E + TERT promoter mut`` resolves before ``+`` splits anything.
2. A part that is not known is split on ``+``.
3. A fusion written ``A::B``, ``A-B`` or ``A/B`` between two gene symbols is
   looked up as ``A::B``; an unlisted fusion of a gene with a ``<gene> fusion``
   record maps to that record, keeping the fusion's text.
4. A protein variant ``<gene> p.<change>`` that has no record of its own maps to
   the gene's ``<gene> mut`` class record, keeping the variant's text
   (``NRAS p.Q61R`` -> ``NRAS mut``).
5. ``wt``, ``wild type``, ``none`` or an empty text is the empty genotype; a part
   ``<gene> wt`` adds nothing.

Anything else raises :class:`~rairlab.errors.UnknownNameError` with close matches.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from rairlab.errors import InvalidValueError, UnknownNameError
from rairlab.knowledge._knowledgebase import KnowledgeBase
from rairlab.knowledge._schemas import Alteration, AlterationType, Effect

__all__ = ["Genotype", "ParsedAlteration", "parse_genotype"]

_HINT = "rairlab evidence --list alterations"
_WILD_TYPE = frozenset({"", "wt", "wildtype", "wild type", "wild-type", "none", "-", "negative"})
_AA = r"(?:[A-Za-z][a-z]{2}|[A-Za-z])"
_CHANGE = rf"(?P<ref>{_AA})(?P<pos>\d+)(?P<alt>{_AA}|\*|=)?(?P<tail>fs\*?\d*|del|dup)?"
_PROTEIN = re.compile(rf"^(?P<gene>\S+?)(?:\s+p\.|\s+|p\.)\s*{_CHANGE}$", re.IGNORECASE)
_GENE_WT = re.compile(r"^(?P<gene>\S+?)(?:\s+|-)(?:wt|wild[\s-]?type)$", re.IGNORECASE)
_FUSION_SEPARATORS = ("::", "/", "-")


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


# marks a "<gene> wt" part, which adds no alteration
_NOTHING = ParsedAlteration("", "", None, AlterationType.GENE_CLASS, Effect.UNKNOWN)

_INDEXES: weakref.WeakKeyDictionary[KnowledgeBase, _Index] = weakref.WeakKeyDictionary()


def _index(kb: KnowledgeBase) -> _Index:
    cached = _INDEXES.get(kb)
    if cached is not None:
        return cached
    keys: dict[str, Alteration] = {}
    bare: dict[str, list[Alteration]] = {}
    for alt in kb.alterations:
        for name in (alt.id, alt.notation, *alt.aliases):
            keys.setdefault(_key(name), alt)
        gene = alt.gene or ""
        for alias in alt.aliases:  # "TERT C228T" from the alias C228T
            if gene and not _key(alias).startswith(_key(gene)):
                keys.setdefault(_key(f"{gene} {alias}"), alt)
        if alt.gene and alt.notation.upper().startswith(gene.upper() + " "):
            bare.setdefault(_key(alt.notation[len(gene) + 1 :]), []).append(alt)
    for key, alts in bare.items():  # "V600E", "c.-124C>T" when one record has it
        if len(alts) == 1:
            keys.setdefault(key, alts[0])
    by_notation = {alt.notation.casefold(): alt for alt in kb.alterations}
    choices = tuple(dict.fromkeys(n for a in kb.alterations for n in (a.notation, *a.aliases)))
    index = _Index(keys, by_notation, choices)
    _INDEXES[kb] = index
    return index


def _normalize_change(m: re.Match[str]) -> str:
    """``q61r`` -> ``p.Q61R``; ``gln61arg`` -> ``p.Gln61Arg``."""

    def aa(x: str | None) -> str:
        if not x:
            return ""
        return x.upper() if len(x) == 1 else x.capitalize()

    tail = (m["tail"] or "").lower()
    return f"p.{aa(m['ref'])}{m['pos']}{aa(m['alt'])}{tail}"


def _fusion(kb: KnowledgeBase, idx: _Index, part: str) -> ParsedAlteration | None:
    text = part.strip()
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


def _protein(kb: KnowledgeBase, idx: _Index, part: str) -> ParsedAlteration | None:
    m = _PROTEIN.match(part.strip())
    if m is None:
        return None
    gene = kb.find_gene(m["gene"])
    if gene is None:
        return None
    change = _normalize_change(m)
    hit = idx.keys.get(_key(f"{gene.symbol} {change}"))
    if hit is not None:
        return ParsedAlteration.of(hit)
    fallback = idx.by_notation.get(f"{gene.symbol} mut".casefold())
    if fallback is not None:
        return ParsedAlteration.of(fallback, variant=change)
    raise _unknown(
        kb, idx, part, f"{gene.symbol} has no record for {change} and no '{gene.symbol} mut' class"
    )


def _resolve(kb: KnowledgeBase, idx: _Index, part: str) -> ParsedAlteration | None:
    """One alteration for `part`; `_NOTHING` for a ``<gene> wt`` part; ``None`` if unknown."""
    hit = idx.keys.get(_key(part))
    if hit is not None:
        return ParsedAlteration.of(hit)
    wt = _GENE_WT.match(part.strip())
    if wt is not None and kb.find_gene(wt["gene"]) is not None:
        return _NOTHING
    return _fusion(kb, idx, part) or _protein(kb, idx, part)


def _unknown(kb: KnowledgeBase, idx: _Index, part: str, why: str = "") -> UnknownNameError:
    gene = kb.find_gene(part) or kb.find_gene(part.split()[0] if part.split() else part)
    hint = _HINT
    if gene is not None:
        of_gene = [a.notation for a in kb.alterations if gene.symbol in (a.gene, a.partner)]
        listed = ", ".join(repr(n) for n in of_gene) or "none"
        hint += f" ({why + '; ' if why else ''}{gene.symbol} records: {listed})"
    # a known variant or alias inside the text ("XYZ1 V600E" -> BRAF p.V600E)
    words = part.split()
    pieces = [" ".join(words[k:]) for k in range(1, len(words))] + words
    also = [idx.keys[_key(p)].notation for p in pieces if _key(p) in idx.keys]
    return UnknownNameError("alteration", part.strip(), idx.choices, hint=hint, also=also)


def parse_genotype(text: str, kb: KnowledgeBase | None = None) -> Genotype:
    """Parse genotype text into knowledge-base alterations.

    Parameters
    ----------
    text
        Alterations separated by ``;``, ``,`` or ``+``, e.g.
        ``"BRAF p.V600E; TERT C228T"``. Case-insensitive; notations, aliases
        (``V600E``, ``C228T``, ``RET/PTC1``) and ids (``ALT-001``) are accepted.
        ``""``, ``"wt"`` or ``"wild type"`` give the empty genotype.
    kb
        The knowledge base to resolve against; default: the shipped one.

    Returns
    -------
    Genotype

    Raises
    ------
    UnknownNameError
        For a part that names no alteration, with close matches.
    InvalidValueError
        If `text` is not a string.

    Examples
    --------
    >>> from rairlab.knowledge import load_knowledge
    >>> kb = load_knowledge()
    >>> parse_genotype("wild type", kb).is_wild_type
    True
    """
    if not isinstance(text, str):
        raise InvalidValueError("genotype", text, "a text such as 'BRAF p.V600E; TERT C228T'")
    if kb is None:
        from rairlab.knowledge._loader import load_knowledge

        kb = load_knowledge()
    if text.strip().casefold() in _WILD_TYPE:
        return Genotype((), text)
    idx = _index(kb)
    found: list[ParsedAlteration] = []
    whole = idx.keys.get(_key(text))
    chunks = [text] if whole is not None else re.split(r"[;,]", text)
    for chunk in chunks:
        if not chunk.strip() or chunk.strip().casefold() in _WILD_TYPE:
            continue
        hit = _resolve(kb, idx, chunk)
        if hit is None and "+" in chunk:
            for piece in chunk.split("+"):
                if piece.strip():
                    one = _resolve(kb, idx, piece)
                    if one is None:
                        raise _unknown(kb, idx, piece)
                    found.append(one)
            continue
        if hit is None:
            raise _unknown(kb, idx, chunk)
        found.append(hit)
    found = [a for a in found if a is not _NOTHING]
    return Genotype(tuple(dict.fromkeys(found)), text)
