"""Turn an author-year citation as printed in the review into a reference key.

Used once to seed ``references.yaml`` from the curated extraction; kept so the
rule is on record: first author's surname, ASCII-folded and lower-cased, plus
the year, plus the initials the review prints before the surname
(``"G. Yang et al., 2017"`` -> ``yang2017g``) or its letter suffix
(``"Markham, 2020a"`` -> ``markham2020a``).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict

import yaml

REVIEW_KEY = "liu2023"


def fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def key_for(citation: str) -> str | None:
    c = citation.strip().rstrip(")").strip()
    m = re.match(
        r"^(?P<init>(?:[A-Z][a-z]*\.-?)+(?:[A-Z][a-z]*\.)?\s+|Vivek\s+|H\.\s+)?"
        r"(?P<name>.+?)(?:\s+et al\.|\s+and\s+.+?|'s group)?"
        r"(?:,|\s*\()\s*(?P<year>\d{4})(?P<suf>[ab]?)\)?$",
        c,
    )
    if not m:
        return None
    name = re.sub(r"[^a-z]", "", fold(m["name"]).lower())
    init = re.sub(r"[^a-z]", "", fold(m["init"] or "").lower())[:1]
    return f"{name}{m['year']}{m['suf']}{init}"


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        seed = yaml.safe_load(fh)
    seen: dict[str, set[str]] = defaultdict(set)

    def walk(o: object) -> None:
        if isinstance(o, dict):
            for k, v in o.items():
                if k in ("citation", "citations"):
                    for s in [v] if isinstance(v, str) else (v or []):
                        if isinstance(s, str):
                            for part in re.split(r";\s*|,\s*(?=[A-Z][a-z]+ et al)", s):
                                key = key_for(part)
                                if key:
                                    seen[key].add(part.strip().rstrip(")"))
                walk(v)
        elif isinstance(o, list):
            for x in o:
                walk(x)

    walk(seed)
    out = []
    for key in sorted(seen):
        forms = sorted(seen[key], key=len)
        out.append({"key": key, "citation": forms[0]})
    yaml.safe_dump(out, sys.stdout, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    main()
