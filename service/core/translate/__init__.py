"""Machine translation: engines behind one protocol, and the router that picks one per pair."""

from __future__ import annotations

from collections.abc import Sequence

from .base import EngineError, EngineInfo, Translator

__all__ = ["EngineError", "EngineInfo", "EngineRouter", "Translator"]


class EngineRouter:
    """Engines in order of preference: a pair goes to the first engine that serves it."""

    def __init__(self, engines: Sequence[Translator] = ()):
        self.engines = list(engines)

    def pick(self, source: str, target: str, forced: str | None = None) -> Translator | None:
        """The engine for source->target; with `forced`, that engine or none at all."""
        for engine in self.engines:
            if forced and engine.name != forced:
                continue
            if (source, target) in engine.pairs():
                return engine
        return None

    def names(self) -> list[str]:
        return [engine.name for engine in self.engines]

    def infos(self) -> list[EngineInfo]:
        return [engine.info() for engine in self.engines]

    def close(self) -> None:
        for engine in self.engines:
            engine.close()

    def __enter__(self) -> EngineRouter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
