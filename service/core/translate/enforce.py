"""Names and figures through machine translation: protect, translate, check, restore.

Every glossary name and every figure is replaced by a placeholder before the engine sees the
text, and replaced by its target form afterwards (the glossary's name in the target language,
the figure in the target's house style). A sentence whose placeholders do not come back
exactly once each is translated again piece by piece around them, so no name or number is
ever lost silently.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape, unescape

from ..markup import markup_spans
from .base import PLACEHOLDER, EngineError, Translator, placeholder
from .segment import split_sentences


@dataclass(frozen=True)
class Protected:
    """A span of the source that must come out as `target`, untouched by the engine."""

    start: int
    end: int
    target: str
    label: str  # for warnings: "name 'Tokayev'", "figure '$24 billion'"
    kind: str = "name"  # name | figure | markup
    block: bool = False  # markup that separates blocks (</p>, <br>)


@dataclass
class Outcome:
    text: str
    warnings: list[str] = field(default_factory=list)
    sentences: int = 0
    recovered: int = 0  # sentences retranslated piece by piece
    untranslated: int = 0  # sentences left in the source language after an engine error


@dataclass
class _Unit:
    """One block: verbatim text before it, then a body with placeholders to translate."""

    before: str
    body: str
    after: str


def html_markup(html: str) -> list[Protected]:
    """Tags, comments and translate="no" elements of an HTML document, kept verbatim."""
    return [
        Protected(s.start, s.end, html[s.start : s.end], "markup", "markup", s.block)
        for s in markup_spans(html)
    ]


def translate_protected(
    text: str,
    spans: Sequence[Protected],
    engine: Translator,
    source: str,
    target: str,
    html: bool = False,
) -> Outcome:
    """Translate `text` with every span in `spans` carried through as its target form."""
    fixed, units = _protect(text, _without_overlaps(spans))
    outcome = Outcome("")
    sentences: list[tuple[int, str]] = []  # (unit index, sentence)
    for i, unit in enumerate(units):
        body = unescape(unit.body) if html else unit.body
        sentences.extend((i, s) for s in split_sentences(body))
    outcome.sentences = len(sentences)
    translated = _translate_checked([s for _, s in sentences], engine, source, target, fixed,
                                    outcome)
    per_unit: dict[int, list[str]] = {}
    for (i, _), sentence in zip(sentences, translated, strict=True):
        # The engine saw decoded text; encode what it wrote before markup goes back in.
        per_unit.setdefault(i, []).append(escape(sentence, quote=False) if html else sentence)
    parts = []
    for i, unit in enumerate(units):
        body = " ".join(per_unit.get(i, []))
        parts.append(unit.before + _restore(body, fixed, html) + unit.after)
    outcome.text = "".join(parts)
    return outcome


def _without_overlaps(spans: Sequence[Protected]) -> list[Protected]:
    # Markup wins over a name inside it (an alt text, a translate="no" element): it stays as
    # written.
    ordered = sorted(spans, key=lambda s: (s.start, s.kind != "markup", -s.end))
    kept: list[Protected] = []
    for span in ordered:
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def _protect(text: str, spans: list[Protected]) -> tuple[dict[int, Protected], list[_Unit]]:
    """Placeholders for the spans, and the text cut into units at block markup and lines."""
    fixed: dict[int, Protected] = {}
    units: list[_Unit] = []
    before: list[str] = []
    body: list[str] = []
    cursor = 0

    def close_unit() -> None:
        raw = "".join(body)
        stripped = raw.strip()
        lead = raw[: len(raw) - len(raw.lstrip())]
        trail = raw[len(raw.rstrip()) :]
        units.append(_Unit("".join(before) + lead, stripped, trail))
        before.clear()
        body.clear()

    def add_text(chunk: str) -> None:
        lines = chunk.split("\n")
        for n, line in enumerate(lines):
            if n:
                close_unit()
                before.append("\n")
            body.append(line)

    for span in spans:
        add_text(text[cursor : span.start])
        cursor = span.end
        if span.kind == "markup" and span.block:
            close_unit()
            before.append(span.target)
            continue
        n = len(fixed) + 1
        fixed[n] = span
        token = placeholder(n)
        if span.kind == "markup" and not "".join(body).strip():
            before.append(span.target)  # leading markup stays outside the sentence
            del fixed[n]
            continue
        body.append(token)
    add_text(text[cursor:])
    close_unit()
    return fixed, units


def _translate_checked(
    sentences: list[str],
    engine: Translator,
    source: str,
    target: str,
    fixed: dict[int, Protected],
    outcome: Outcome,
) -> list[str]:
    work = [i for i, s in enumerate(sentences) if _has_words(s)]
    results = list(sentences)
    if not work:
        return results
    try:
        out = engine.translate([sentences[i] for i in work], source, target)
    except EngineError as exc:
        outcome.untranslated += len(work)
        outcome.warnings.append(f"{exc}; the text was left untranslated")
        return results
    for i, translated in zip(work, out, strict=True):
        if _placeholders_intact(sentences[i], translated):
            results[i] = _tidy(translated)
            continue
        results[i] = _recover(sentences[i], translated, engine, source, target, fixed, outcome)
    return results


def _has_words(sentence: str) -> bool:
    return any(ch.isalpha() for ch in PLACEHOLDER.sub("", sentence))


def _placeholders_intact(source: str, translated: str) -> bool:
    return Counter(PLACEHOLDER.findall(translated)) == Counter(PLACEHOLDER.findall(source)) and (
        "⟦" not in PLACEHOLDER.sub("", translated) and "⟧" not in PLACEHOLDER.sub("", translated)
    )


def _recover(
    sentence: str,
    translated: str,
    engine: Translator,
    source: str,
    target: str,
    fixed: dict[int, Protected],
    outcome: Outcome,
) -> str:
    """Retranslate the text between placeholders and put them back in source order."""
    wanted = Counter(PLACEHOLDER.findall(sentence))
    got = Counter(PLACEHOLDER.findall(translated))
    lost = [fixed[int(n)].label for n in wanted if got[n] != wanted[n] and int(n) in fixed]
    pieces = PLACEHOLDER.split(sentence)  # text, number, text, number, ..., text
    texts = pieces[0::2]
    numbers = pieces[1::2]
    todo = [i for i, piece in enumerate(texts) if _has_words(piece)]
    try:
        out = engine.translate([texts[i].strip() for i in todo], source, target) if todo else []
    except EngineError as exc:
        outcome.untranslated += 1
        outcome.warnings.append(
            f"{engine.name} dropped {', '.join(lost) or 'a placeholder'} and then failed ({exc});"
            " the sentence was left untranslated"
        )
        return sentence
    for i, piece in zip(todo, out, strict=True):
        lead = " " if texts[i][:1].isspace() else ""
        trail = " " if texts[i][-1:].isspace() else ""
        texts[i] = lead + piece.strip() + trail
    rebuilt = texts[0] + "".join(placeholder(int(n)) + t for n, t in zip(numbers, texts[1:],
                                                                          strict=True))
    outcome.recovered += 1
    if lost:
        outcome.warnings.append(
            f"{engine.name} dropped or repeated {', '.join(lost)}; the sentence was translated "
            "around them, check its word order"
        )
    return _tidy(rebuilt)


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?»)])")


def _tidy(sentence: str) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(sentence.split()))


def _restore(body: str, fixed: dict[int, Protected], html: bool) -> str:
    def put(match: re.Match[str]) -> str:
        span = fixed.get(int(match.group(1)))
        if span is None:
            return ""
        if span.kind == "markup":
            return span.target
        return escape(span.target, quote=False) if html else span.target

    text = PLACEHOLDER.sub(put, body).replace("⟦", "").replace("⟧", "")
    for span in fixed.values():
        # "28 марта 2023 г." at the end of a sentence keeps one full stop, not two.
        if span.kind != "markup" and span.target.endswith(".") and span.target + "." in text:
            text = text.replace(span.target + ".", span.target)
    return text
