"""Search keys for glossary entries: what the maintainers' list searches and filters on.

A maintainer types "tokaev", "ТОКАЕВ" or "Tokaïev" and expects the same entry. Folding
(service/core/folding.py: case, diacritics, Kazakh letters, look-alike letters, dashes) is
done once, when an entry is written, into the `search` column; the query is folded the same
way, so a plain LIKE finds it on SQLite and PostgreSQL alike, with no collation or extension
the database may lack.

`languages` lists the languages an entry has a canonical name in, as "|en|ru|", so "missing a
language" is a NOT LIKE on one column instead of a JSON query that each database spells
differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..core.folding import fold

SEPARATOR = "\n"  # between forms, so a query never matches across two of them
MAX_SEARCH = 20_000  # characters kept; an entry with more forms than this is not a name list


def _forms(entry_id: str, body: Mapping) -> Iterable[str]:
    yield entry_id
    yield from (str(v) for v in (body.get("names") or {}).values())
    yield from (str(v) for v in (body.get("short") or {}).values())
    for variant in body.get("variants") or ():
        text = variant.get("text") if isinstance(variant, Mapping) else variant
        if text:
            yield str(text)
    if body.get("note"):
        yield str(body["note"])


def search_key(entry_id: str, body: Mapping) -> str:
    """Every form of the entry, folded, one per line."""
    return SEPARATOR.join(fold(form) for form in _forms(entry_id, body))[:MAX_SEARCH]


def languages_key(body: Mapping) -> str:
    tags = sorted((body.get("names") or {}).keys())
    return "|" + "|".join(tags) + "|" if tags else ""


def entry_search_fields(entry_id: str, body: Mapping) -> dict[str, str]:
    """The columns to set on a GlossaryEntry row whenever its body is written."""
    return {"search": search_key(entry_id, body), "languages": languages_key(body)}


def like_escape(text: str) -> str:
    """Text for a LIKE pattern with escape character backslash: its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def query_pattern(query: str) -> str:
    """A LIKE pattern for a maintainer's query: folded, with LIKE's own wildcards escaped."""
    return f"%{like_escape(fold(query.strip()))}%"


def language_pattern(tag: str) -> str:
    return f"%|{tag}|%"
