"""localize(): one article in, the result document out (see docs/result-document.md).

The same call serves the CLI, the API and the Celery task: it takes its glossary, house styles
and translation engines as arguments and touches no files, network or database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .figures import Figure, HouseStyles, find_figures, load_house_styles, render_figure
from .glossary import Entry, load_glossary
from .hygiene import find_copy_issues
from .locales import InvalidLanguageTag, babel_locale, language_of, normalize_tag, parse_tag
from .matching import SOURCE_LANGUAGES, NameIndex, Normalized, detect_language, normalize
from .translit import is_chinese_name, transliterate_name

MAX_TARGETS = 20
# Scripts whose names cannot be made from Latin or Cyrillic letters by rule.
_IDEOGRAPHIC = frozenset({"zh", "ja", "ko"})
_CYRILLIC_LANGUAGES = frozenset({"ru", "kk", "uk", "be", "bg", "sr", "mk", "ky", "tg", "mn"})


class LocalizeError(ValueError):
    """Input that localize() cannot work with; the message names the problem."""


@dataclass(frozen=True)
class Localizer:
    """A compiled glossary plus house styles: build once, localize many articles."""

    index: NameIndex
    styles: HouseStyles
    translators: Sequence = field(default_factory=tuple)

    @classmethod
    def from_paths(
        cls,
        glossary_paths: Sequence[str | Path] | None = None,
        styles_path: str | Path | None = None,
    ) -> Localizer:
        glossary = load_glossary(glossary_paths or None)
        return cls(NameIndex.build(glossary), load_house_styles(styles_path))

    def localize(
        self, text: str, targets: Sequence[str], source_language: str | None = None
    ) -> dict:
        return localize(text, targets, self.index, self.styles, source_language)


def parse_targets(targets: Sequence[str]) -> list[str]:
    """Normalized, de-duplicated target tags; LocalizeError names any tag CLDR does not know."""
    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t.strip()]
    if not targets:
        raise LocalizeError("no target locales given (e.g. --to en-GB,ru-RU)")
    if len(targets) > MAX_TARGETS:
        raise LocalizeError(f"too many target locales: {len(targets)} (at most {MAX_TARGETS})")
    clean: list[str] = []
    for raw in targets:
        try:
            tag = normalize_tag(raw)
            babel_locale(tag)
        except InvalidLanguageTag as exc:
            raise LocalizeError(f"unknown target locale {raw!r}: {exc}") from exc
        if tag not in clean:
            clean.append(tag)
    return clean


def localize(
    text: str,
    targets: Sequence[str],
    index: NameIndex,
    styles: HouseStyles | None = None,
    source_language: str | None = None,
) -> dict:
    """Normalize names, find figures and build one version per target locale."""
    if not isinstance(text, str) or not text.strip():
        raise LocalizeError("the article is empty")
    targets = parse_targets(targets)
    language = _source_language(text, source_language)
    normalized = normalize(index, text, language)
    figures = find_figures(normalized.text, language) if language == "en" else []
    versions = {
        target: _version(target, normalized, figures, index, styles) for target in targets
    }
    return {
        "source_language": language,
        "normalized": {
            **normalized.to_dict(),
            "flags": [flag.to_dict() for flag in find_copy_issues(text)],
        },
        "versions": versions,
    }


def _source_language(text: str, given: str | None) -> str:
    if given in (None, "", "auto"):
        return detect_language(text)
    try:
        language = language_of(given)
    except InvalidLanguageTag as exc:
        raise LocalizeError(str(exc)) from exc
    if language not in SOURCE_LANGUAGES:
        raise LocalizeError(
            f"source language {given!r} is not supported (supported: {', '.join(SOURCE_LANGUAGES)})"
        )
    return language


def _version(
    target: str,
    normalized: Normalized,
    figures: list[Figure],
    index: NameIndex,
    styles: HouseStyles | None,
) -> dict:
    warnings: list[str] = []
    names = _render_names(target, normalized, index, warnings)
    rendered_figures = [
        {"kind": f.kind, "original": f.original, "rendered": render_figure(f, target, styles)}
        for f in figures
    ]
    if normalized.language != "en":
        warnings.append(
            f"dates, money and percentages are found in English copy only; "
            f"{normalized.language} figures were left as written"
        )
    text: str | None = None
    engine: str | None = None
    if language_of(target) == normalized.language:
        text = _same_language_text(normalized, figures, rendered_figures, target)
        engine = "none"
    else:
        warnings.append(
            f"no translation engine serves {normalized.language}->{language_of(target)}; "
            "names and figures are listed, the text is null. Enable an engine with "
            "--engine or AUDARMA_ENGINES (see README, 'Translation engines')"
        )
    return {
        "text": text,
        "engine": engine,
        "names": names,
        "figures": rendered_figures,
        "warnings": warnings,
    }


def _same_language_text(
    normalized: Normalized, figures: list[Figure], rendered: list[dict], target: str
) -> str:
    """The normalized text with figures in the target's house style (en -> en-GB, say)."""
    out: list[str] = []
    cursor = 0
    for figure, item in zip(figures, rendered, strict=True):
        out.append(normalized.text[cursor : figure.start])
        out.append(item["rendered"])
        cursor = figure.end
    out.append(normalized.text[cursor:])
    text = "".join(out)
    source_script = "Cyrl" if normalized.language in _CYRILLIC_LANGUAGES else "Latn"
    target_script = parse_tag(target).script
    if target_script and target_script != source_script:
        converted = transliterate_name(text, normalized.language, target)
        if converted is not None:
            return converted
    return text


def _render_names(
    target: str, normalized: Normalized, index: NameIndex, warnings: list[str]
) -> list[dict]:
    """Each linked entity once, in order of first mention, rendered for the target."""
    rendered: list[dict] = []
    seen: set[str] = set()
    for mention in normalized.mentions:
        if mention.entity in seen:
            continue
        seen.add(mention.entity)
        entry = index.entries.get(mention.entity)
        if entry is None:
            continue
        source = entry.name_in(normalized.language) or mention.surface
        text, origin = render_name(entry, target, normalized.language)
        if origin == "unchanged" and language_of(target) in _IDEOGRAPHIC:
            warnings.append(
                f"no {target} form of {source!r} ({entry.id}) in the glossary; left as written"
            )
        elif origin == "transliterated":
            warnings.append(f"{source!r} was transliterated to {text!r}: please check")
        rendered.append(
            {"entity": entry.id, "source": source, "rendered": text, "origin": origin}
        )
    return rendered


def render_name(entry: Entry, target: str, source_language: str = "en") -> tuple[str, str]:
    """(text, origin): the glossary form first, a marked transliteration second."""
    found = entry.name_in(target)
    if found:
        return found, "glossary"
    language = language_of(target)
    if language == "kk" and parse_tag(target).script != "Latn" and entry.name_in("ru"):
        # Kazakh copy writes foreign names the Russian way (Си Цзиньпин).
        return entry.name_in("ru"), "glossary"
    english = entry.name_in("en") or entry.id
    if language in _IDEOGRAPHIC:
        return english, "unchanged"
    if language in _CYRILLIC_LANGUAGES and parse_tag(target).script in (None, "Cyrl"):
        hint = "zh" if _is_chinese_name(entry) else None
        converted = transliterate_name(english, "en", target, hint=hint)
        if converted and converted != english:
            return converted, "transliterated"
    elif language == "kk":  # kk-Latn: the 2021 Latin alphabet, from the Cyrillic form
        for source_tag in ("kk", "ru"):
            if source_tag in entry.names:
                converted = transliterate_name(entry.names[source_tag], source_tag, target)
                if converted:
                    return converted, "transliterated"
    # Other Latin-script targets write these names the English way unless the glossary says
    # otherwise; "unchanged" tells the editor no localized form was found.
    return english, "unchanged"


def _is_chinese_name(entry: Entry) -> bool:
    return entry.type == "person" and "zh" in entry.names and is_chinese_name(entry.names["en"])
