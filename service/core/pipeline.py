"""localize(): one article in, the result document out (see docs/result-document.md).

The same call serves the CLI, the API and the Celery task: it takes its glossary, house styles
and translation engines as arguments and touches no files, network or database itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .context import article_year
from .figures import (
    FIGURE_LANGUAGES,
    Figure,
    HouseStyles,
    find_figures,
    load_house_styles,
    render_in_place,
)
from .folding import fold
from .glossary import Entry, load_glossary
from .hygiene import find_copy_issues
from .locales import (
    SOURCE_LANGUAGES,
    InvalidLanguageTag,
    babel_locale,
    detect_language,
    language_of,
    lookup_chain,
    normalize_tag,
    parse_tag,
)
from .markup import mask_markup
from .matching import MAX_NAME_TOKEN, NamePolicy, Normalized, normalize
from .nameindex import NameIndex
from .translate import EngineError, EngineRouter
from .translate.enforce import Protected, html_markup, translate_protected
from .translit import is_chinese_name, transliterate_name

# Scripts whose names cannot be made from Latin or Cyrillic letters by rule.
_IDEOGRAPHIC = frozenset({"zh", "ja", "ko"})
_CYRILLIC_LANGUAGES = frozenset({"ru", "kk", "uk", "be", "bg", "sr", "mk", "ky", "tg", "mn"})
# A "word" no language has (a pasted hash, a URL, thousands of hyphen-joined pieces): kept as
# written and never sent to an engine, which could spend minutes on it and still time out.
_OVERLONG = re.compile(rf"\S{{{MAX_NAME_TOKEN + 1},}}")


class LocalizeError(ValueError):
    """Input that localize() cannot work with; the message names the problem."""


@dataclass(frozen=True)
class Localizer:
    """A compiled glossary, house styles and engines: build once, localize many articles."""

    index: NameIndex
    styles: HouseStyles
    engines: EngineRouter = field(default_factory=EngineRouter)
    policy: NamePolicy = field(default_factory=NamePolicy)

    @classmethod
    def from_paths(
        cls,
        glossary_paths: Sequence[str | Path] | None = None,
        styles_path: str | Path | None = None,
        engines: EngineRouter | None = None,
        policy: NamePolicy | None = None,
    ) -> Localizer:
        """`styles_path` is a desk's folder of house styles, laid over the shipped ones."""
        glossary = load_glossary(glossary_paths or None)
        return cls(
            NameIndex.build(glossary),
            load_house_styles(desk=styles_path or None),
            engines or EngineRouter(),
            policy or NamePolicy(),
        )

    def localize(
        self,
        text: str,
        targets: Sequence[str],
        source_language: str | None = None,
        engine: str | None = None,
        fmt: str = "text",
    ) -> dict:
        return localize(
            text, targets, self.index, self.styles, source_language, self.engines, engine, fmt,
            self.policy,
        )


def parse_targets(targets: Sequence[str], limit: int | None = None) -> list[str]:
    """Normalized, de-duplicated target tags; LocalizeError names any tag CLDR does not know."""
    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t.strip()]
    if not targets:
        raise LocalizeError("no target locales given (e.g. --to en-GB,ru-RU)")
    # How many targets a caller may ask for is the service's rule (Settings.max_targets,
    # checked when a job is submitted); the pipeline itself serves as many as it is given.
    if limit is not None and len(targets) > limit:
        raise LocalizeError(f"too many target locales: {len(targets)} (at most {limit})")
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
    engines: EngineRouter | None = None,
    engine: str | None = None,
    fmt: str = "text",
    policy: NamePolicy | None = None,
) -> dict:
    """Normalize names, find figures and build one version per target locale.

    `engines` translate targets in other languages (`engine` forces one of them by name);
    `fmt` is "text" or "html" (markup kept, translate="no" honoured); `policy` is the desk's
    choice for former names and exonyms.
    """
    if not isinstance(text, str) or not text.strip():
        raise LocalizeError("the article is empty")
    if fmt not in ("text", "html"):
        raise LocalizeError(f"unknown format {fmt!r} (use 'text' or 'html')")
    targets = parse_targets(targets)
    language = _source_language(text, source_language)
    normalized = normalize(index, text, language, fmt=fmt, policy=policy)
    # Figures and copy hygiene read what a reader sees: in HTML, markup is blanked out first
    # (same length, so their offsets are offsets into the document).
    visible = mask_markup(normalized.text) if fmt == "html" else normalized.text
    figures = (
        find_figures(visible, language, article_year(visible))
        if language in FIGURE_LANGUAGES
        else []
    )
    context = _Context(normalized, figures, index, styles, engines or EngineRouter(), engine, fmt)
    return {
        "source_language": language,
        "normalized": {
            **normalized.to_dict(),
            "flags": [
                flag.to_dict()
                for flag in find_copy_issues(mask_markup(text) if fmt == "html" else text)
            ],
        },
        "versions": {target: context.version(target) for target in targets},
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


@dataclass
class _Context:
    normalized: Normalized
    figures: list[Figure]
    index: NameIndex
    styles: HouseStyles | None
    engines: EngineRouter
    forced: str | None
    fmt: str

    def version(self, target: str) -> dict:
        normalized = self.normalized
        warnings: list[str] = []
        names = _render_names(target, normalized, self.index, warnings, self.styles)
        styles = self.styles or load_house_styles()
        rendered = [render_in_place(f, target, styles) for f in self.figures]
        # The report lists what the version changes, not every number the article holds.
        figures = [
            {"kind": f.kind, "original": normalized.text[start:end], "rendered": form}
            for f, (start, end, form) in zip(self.figures, rendered, strict=True)
            if form != normalized.text[start:end]
        ]
        source, goal = normalized.language, language_of(target)
        text: str | None = None
        engine_name: str | None = None
        if goal == source:
            text = _same_language_text(normalized, self.figures, rendered, target)
            engine_name = "none"
        else:
            engine = self.engines.pick(source, goal, self.forced)
            if engine is None:
                warnings.append(self._no_engine(source, goal))
            else:
                self._push_glossary(engine, target, warnings)
                spans = self._protected(target, rendered)
                overlong = self._overlong()
                if overlong:
                    spans.extend(overlong)
                    warnings.append(_overlong_warning(self.normalized.text, overlong))
                outcome = translate_protected(
                    normalized.text, spans, engine, source, goal, html=self.fmt == "html"
                )
                warnings.extend(outcome.warnings)
                if outcome.untranslated < outcome.sentences:
                    text, engine_name = outcome.text, engine.name
        return {
            "text": text,
            "engine": engine_name,
            "names": names,
            "figures": figures,
            "warnings": warnings,
        }

    def _target_form(self, entry: Entry, target: str, surface: str, short: bool) -> str:
        """The target form of one mention: a later, short reference stays short."""
        full, origin = render_name(entry, target, self.normalized.language, self.styles)
        if not short:
            return full
        found = entry.short_in(target)
        if found:
            return found
        if origin == "unchanged":
            return surface  # the target writes the name the English way: keep it as written
        if entry.type == "person" and " " in full:
            # A person's later reference is the family name: first for Chinese names.
            return full.split()[0] if _is_chinese_name(entry) else full.split()[-1]
        return full

    def _push_glossary(self, engine, target: str, warnings: list[str]) -> None:
        """Engines with glossary support (DeepL) get this article's names as a glossary.

        Placeholders already keep names exact; the glossary helps the engine with the words
        around them (a name it would otherwise split or decline oddly) and costs one call.
        """
        set_glossary = getattr(engine, "set_glossary", None)
        if set_glossary is None:
            return
        source = self.normalized.language
        entries: dict[str, str] = {}
        for mention in self.normalized.mentions:
            entry = self.index.entries.get(mention.entity)
            if entry is None or not entry.name_in(source):
                continue
            rendered, origin = render_name(entry, target, source, self.styles)
            if origin in ("glossary", "house-style", "cldr"):
                source_name = entry.name_in(source)
                assert source_name is not None  # checked at the top of the loop
                entries[source_name] = rendered
        try:
            set_glossary(source, language_of(target), entries)
        except EngineError as exc:
            warnings.append(f"{exc}; translated without an engine glossary")

    def _overlong(self) -> list[Protected]:
        """Tokens longer than any word, kept verbatim (in HTML only those a reader sees)."""
        text = self.normalized.text
        visible = mask_markup(text) if self.fmt == "html" else text
        # "markup" is the kind enforcement puts back byte for byte, unescaped.
        return [
            Protected(m.start(), m.end(), text[m.start() : m.end()], "an overlong token",
                      "markup")
            for m in _OVERLONG.finditer(visible)
        ]

    def _no_engine(self, source: str, goal: str) -> str:
        if self.forced:
            return f"engine {self.forced!r} does not serve {source}->{goal}; the text is null"
        return (
            f"no translation engine serves {source}->{goal}; names and figures are listed, "
            "the text is null. See `audarma engines`, and README 'Translation engines' to "
            "enable one"
        )

    def _protected(self, target: str, rendered: list[tuple[int, int, str]]) -> list[Protected]:
        """Spans of the normalized text that must come out in their target form."""
        spans: list[Protected] = []
        text = self.normalized.text
        if self.fmt == "html":
            spans.extend(html_markup(text))
        for figure, (start, end, form) in zip(self.figures, rendered, strict=True):
            spans.append(Protected(start, end, form, f"figure {figure.original!r}", "figure"))
        for start, end, mention in _mentions_in_normalized(self.normalized):
            if mention.form == "partial":
                continue  # a bare given name: left to the engine (and to the editor)
            entry = self.index.entries.get(mention.entity)
            if entry is None:
                continue
            surface = text[start:end]
            short = mention.form == "short" or fold_equal(
                surface, entry.short_in(self.normalized.language)
            )
            form = self._target_form(entry, target, surface, short)
            spans.append(Protected(start, end, form, f"name {surface!r}", "name"))
        return spans


def _overlong_warning(text: str, spans: list[Protected]) -> str:
    first = text[spans[0].start : spans[0].end]
    count = "1 token" if len(spans) == 1 else f"{len(spans)} tokens"
    return (
        f"{count} longer than {MAX_NAME_TOKEN} characters (the first: {first[:20]!r}..., "
        f"{len(first)} characters) left as written, untranslated: no word is that long, "
        "check the copy"
    )


def _same_language_text(
    normalized: Normalized, figures: list[Figure], rendered: list[tuple[int, int, str]],
    target: str,
) -> str:
    """The normalized text with figures in the target's house style (en -> en-GB, say)."""
    out: list[str] = []
    cursor = 0
    for start, end, form in rendered:
        out.append(normalized.text[cursor:start])
        out.append(form)
        cursor = end
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
    target: str,
    normalized: Normalized,
    index: NameIndex,
    warnings: list[str],
    styles: HouseStyles | None = None,
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
        text, origin = render_name(entry, target, normalized.language, styles)
        if origin == "unchanged" and language_of(target) in _IDEOGRAPHIC:
            warnings.append(
                f"no {target} form of {source!r} ({entry.id}) in the glossary; left as written"
            )
        elif origin.startswith("fallback:"):
            other = origin.split(":", 1)[1]
            warnings.append(
                f"no {target} form of {source!r} ({entry.id}) in the glossary; the {other} "
                f"form {text!r} stands in for it: please check"
            )
        elif origin == "transliterated":
            warnings.append(f"{source!r} was transliterated to {text!r}: please check")
        rendered.append(
            {"entity": entry.id, "source": source, "rendered": text, "origin": origin}
        )
    return rendered


def _mentions_in_normalized(normalized: Normalized):
    """Mentions with offsets moved into the normalized text (applied changes shift them)."""
    applied = sorted((c for c in normalized.changes if c.applied), key=lambda c: c.start)
    for mention in normalized.mentions:
        shift = 0
        start, end = mention.start, mention.end
        for change in applied:
            if change.end <= mention.start:
                shift += len(change.replacement) - (change.end - change.start)
            elif change.start <= mention.start and mention.end <= change.end:
                start, end = change.start, change.start + len(change.replacement)
                break
        else:
            start, end = mention.start, mention.end
        yield start + shift, end + shift, mention


def fold_equal(a: str, b: str | None) -> bool:
    return b is not None and fold(a) == fold(b)


def render_name(
    entry: Entry, target: str, source_language: str = "en", styles: HouseStyles | None = None
) -> tuple[str, str]:
    """(text, origin) of an entity's name in a target locale.

    origin: `house-style` (the desk's own name for a country), `glossary` (the entry's form
    for the target), `cldr` (a country's name in the target from CLDR), `fallback:ru` (the
    form of another language, for want of the target's own), `transliterated`, `unchanged`.
    """
    if entry.territory and styles is not None:
        chosen = styles.for_locale(target).territories.get(entry.territory)
        if chosen:
            return chosen, "house-style"
    if entry.territory:
        found = entry.name_in(target)  # the collection's names are CLDR's too
        if found:
            return found, "cldr"
    own = _own_form(entry.names, target)
    if own:
        return own, "glossary"
    language = language_of(target)
    if language == "kk" and parse_tag(target).script != "Latn" and entry.name_in("ru"):
        # Kazakh copy often writes foreign names the Russian way (Си Цзиньпин); the entry has
        # no Kazakh form, so this is a stand-in an editor should check.
        ru_name = entry.name_in("ru")
        assert ru_name is not None  # checked in the condition
        return ru_name, "fallback:ru"
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


def _own_form(forms, target: str) -> str | None:
    """The form written for the target's own language (kk-KZ -> kk), never another's."""
    for tag in lookup_chain(target):
        if tag in forms:
            return forms[tag]
    return None


def _is_chinese_name(entry: Entry) -> bool:
    return entry.type == "person" and "zh" in entry.names and is_chinese_name(entry.names["en"])
