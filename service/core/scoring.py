"""Scoring rules for fuzzy name matches: how similar two phonetic forms are, and which
differences turn one real name into another (and so must never be "fixed").
"""

from __future__ import annotations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

# Fuzzy thresholds (0-100 scale of rapidfuzz).
SUGGEST_AT = 80.0  # below this nothing is reported
LOCAL_SUGGEST_AT = 70.0  # ... unless the entity was already named in the article
SENTENCE_START_SUGGEST_AT = 83.0  # a lone capitalized word opening a sentence
APPLY_AT = 90.0  # an applied fix needs at least this, plus the article's own checks
TOKEN_FLOOR = 70.0  # every token of a multi-word name must be at least this similar


def similarity(a: str, b: str) -> float:
    # Indel ratio forgives a dropped or doubled letter; OSA counts a swap of two neighbouring
    # letters as one edit. Typos come in both kinds.
    return max(fuzz.ratio(a, b), OSA.normalized_similarity(a, b) * 100)


def token_score(query: list[str], candidate: list[str], floor: float = TOKEN_FLOOR) -> float:
    """Mean token similarity when the token counts agree and no token is far off, else 0."""
    if len(query) != len(candidate):
        return 0.0
    scores = [similarity(q, c) for q, c in zip(query, candidate, strict=True)]
    # In a two- or three-letter syllable one typo is already a third of the word (Wej/Wen).
    short_ok = all(
        s >= floor or (len(c) <= 4 and OSA.distance(q, c) <= 1)
        for s, q, c in zip(scores, query, candidate, strict=True)
    )
    if not short_ok:
        return 0.0
    weights = [max(len(c), 1) for c in candidate]
    return sum(s * w for s, w in zip(scores, weights, strict=True)) / sum(weights)


# Endings that turn one real name into another: -ov/-ova (a man and his wife or daughter),
# -uly/-kyzy, -vich/-vna. An extra or missing first letter does the same: Smailov/Ismailov.
_GENDER_PAIRS = (("ov", "ova"), ("ev", "eva"), ("in", "ina"), ("ii", "aia"), ("ski", "ska"))


def gender_pair(query: str, candidate: str) -> bool:
    for masculine, feminine in _GENDER_PAIRS:
        if query.endswith(feminine) and candidate.endswith(masculine):
            return query[: -len(feminine)] == candidate[: -len(masculine)]
        if query.endswith(masculine) and candidate.endswith(feminine):
            return query[: -len(masculine)] == candidate[: -len(feminine)]
    return False


def differs_at_edges(query: str, candidate: str) -> bool:
    if query == candidate:
        return False
    return (
        query.endswith(candidate)
        or candidate.endswith(query)
        or query.startswith(candidate)
        or candidate.startswith(query)
    )


def first_letters_differ(query: str, candidate: str) -> bool:
    q = query.replace("-", " ").split()
    c = form_tokens(candidate, len(q))
    return any(a[:1] != b[:1] for a, b in zip(q, c, strict=False))


def form_tokens(form: str, count: int) -> list[str]:
    """The tokens of a candidate's phonetic form, lined up with a query of `count` tokens.

    Hyphenated parts count as tokens ("kasim-jomart tokaiev" has three), unless the query
    wrote the compound as one word ("Kassymjomart Tokayev"): then the parts are joined.
    """
    split = form.replace("-", " ").split()
    if len(split) == count or "-" not in form:
        return split
    joined = form.replace("-", "").split()
    return joined if len(joined) == count else split
