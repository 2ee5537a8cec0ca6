"""The contract every translation engine meets, and the errors engines raise.

Engines translate plain-text segments. A segment may contain placeholder tokens (⟦1⟧, ⟦2⟧, ...)
standing for names, figures and markup that audarma puts back itself; an engine should carry
them through untouched (each engine knows how: superblanks for Apertium, XML tags for DeepL),
and the enforcement layer checks that it did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

PLACEHOLDER = re.compile(r"⟦(\d+)⟧")


def placeholder(n: int) -> str:
    return f"⟦{n}⟧"


class EngineError(Exception):
    """An engine could not translate. `transient` errors (timeouts, 429, 5xx) may be retried."""

    def __init__(self, engine: str, message: str, transient: bool = False):
        super().__init__(f"{engine}: {message}")
        self.engine = engine
        self.transient = transient


@dataclass(frozen=True)
class EngineInfo:
    """What `audarma engines` and GET /v1/engines show for one engine."""

    name: str
    state: str  # "ready", or "unavailable: <why>"
    pairs: tuple[tuple[str, str], ...] = ()
    formats: tuple[str, ...] = ("text",)
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "state": self.state,
            "pairs": [f"{s}-{t}" for s, t in self.pairs],
            "formats": list(self.formats),
            **({"detail": self.detail} if self.detail else {}),
        }


@runtime_checkable
class Translator(Protocol):
    """A translation engine. Language codes are BCP 47 primary subtags: 'en', 'es', 'ca'."""

    name: str

    def pairs(self) -> frozenset[tuple[str, str]]:
        """(source, target) pairs this engine serves right now; empty when unavailable."""
        ...

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        """One output per input segment, in order. Raises EngineError."""
        ...

    def info(self) -> EngineInfo: ...

    def close(self) -> None:
        """Release processes, sockets and models."""
        ...
