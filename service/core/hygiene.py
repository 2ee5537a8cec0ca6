"""Copy hygiene: things in submitted copy an editor should look at, flagged and never deleted.

Wire copy scraped from the web repeats paragraphs and carries promo lines ("Also Read: ...")
that must not reach a translated edition unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
_PROMO = re.compile(
    r"^\s*(?:also read|read also|read more|see also|related|recommended|click here|"
    r"follow us|subscribe|читайте также|читайте нас|подписывайтесь|смотрите также|"
    r"оқи отырыңыз|сондай-ақ оқыңыз)\b\s*[:\-–—]?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Flag:
    kind: str  # duplicate_paragraph | promo_line
    start: int
    end: int
    text: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


def find_copy_issues(text: str) -> list[Flag]:
    """Repeated paragraphs (second and later copies) and promo lines, in text order."""
    flags: list[Flag] = []
    seen: dict[str, int] = {}
    for match in _PARAGRAPH.finditer(text):
        # Lines inside one paragraph count separately: a doubled line is the common case.
        for line in re.finditer(r"[^\n]+", match.group()):
            start = match.start() + line.start()
            end = match.start() + line.end()
            body = line.group()
            key = " ".join(body.split()).casefold()
            if not key:
                continue
            if _PROMO.match(body):
                flags.append(Flag("promo_line", start, end, body,
                                  "promotional line; not part of the story"))
                continue
            if len(key) >= 20 and key in seen:
                first = seen[key]
                flags.append(Flag("duplicate_paragraph", start, end, body,
                                  f"repeats the text at offset {first} verbatim"))
            else:
                seen.setdefault(key, start)
    return flags
