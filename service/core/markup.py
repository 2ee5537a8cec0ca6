"""HTML as audarma reads it: which characters are markup, and which are text a reader sees.

Names, figures and copy hygiene look only at what a reader sees. Tags with their attribute
values, comments, and elements that are not prose (<script>, <style>, <code>, anything marked
translate="no") are markup; `mask_markup` blanks them out without moving any character, so an
offset found in the masked text is the same offset in the HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote body br caption dd div dl dt figcaption figure footer
    form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol p pre section table tbody td
    tfoot th thead title tr ul
    """.split()
)
# Elements whose content is never prose to translate.
_RAW_TAGS = frozenset({"script", "style", "code", "pre", "noscript", "template"})
_TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[!?/]?[A-Za-z][^<>]*>", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_TRANSLATE_NO = re.compile(r"""\btranslate\s*=\s*["']?no\b""", re.IGNORECASE)


@dataclass(frozen=True)
class MarkupSpan:
    start: int
    end: int
    block: bool  # a block boundary: text on either side is a separate unit


def markup_spans(html: str) -> list[MarkupSpan]:
    """Every tag and comment, and every element marked translate="no" (or script, style,
    code...) as one span from its start tag to its matching end tag, in document order."""
    spans: list[MarkupSpan] = []
    opaque: list[tuple[str, int]] = []  # (tag, start) of the outermost translate="no" element
    depth = 0
    for match in _TAG.finditer(html):
        raw = match.group()
        name_match = _TAG_NAME.match(raw)
        name = name_match.group(1).lower() if name_match else ""
        closing = raw.startswith("</")
        self_closing = raw.endswith("/>")
        if opaque:
            if name == opaque[0][0] and not self_closing:
                depth += -1 if closing else 1
                if depth == 0:
                    block = opaque[0][0] in _BLOCK_TAGS or opaque[0][0] in _RAW_TAGS
                    spans.append(MarkupSpan(opaque[0][1], match.end(), block))
                    opaque.clear()
            continue
        if not closing and not self_closing and name and (
            name in _RAW_TAGS or _TRANSLATE_NO.search(raw)
        ):
            opaque.append((name, match.start()))
            depth = 1
            continue
        spans.append(MarkupSpan(match.start(), match.end(), name in _BLOCK_TAGS))
    if opaque:  # never closed: keep the rest verbatim
        spans.append(MarkupSpan(opaque[0][1], len(html), False))
    return spans


def mask_markup(html: str) -> str:
    """The HTML with every markup span blanked: block elements become line breaks (so their
    text stays a paragraph of its own), everything else spaces. Same length as `html`."""
    out: list[str] = []
    cursor = 0
    for span in markup_spans(html):
        out.append(html[cursor : span.start])
        out.append(("\n" if span.block else " ") * (span.end - span.start))
        cursor = span.end
    out.append(html[cursor:])
    return "".join(out)
