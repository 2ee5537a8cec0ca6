"""Build the translation engines that Settings ask for."""

from __future__ import annotations

from .config import KNOWN_ENGINES, Settings
from .core.translate import EngineInfo, EngineRouter, Translator

_NEEDS = {
    "libretranslate": "set AUDARMA_LIBRETRANSLATE_URL",
    "deepl": "set AUDARMA_DEEPL_AUTH_KEY",
}


def build_engines(settings: Settings, only: str | None = None) -> EngineRouter:
    """Engines in the configured order; engines without configuration are left out.

    `only` builds just that engine (for --engine), even when it is not in the list.
    """
    names = [only] if only else list(settings.engines)
    engines: list[Translator] = []
    for name in names:
        engine = _build(name, settings)
        if engine is not None:
            engines.append(engine)
    return EngineRouter(engines)


def _build(name: str, settings: Settings) -> Translator | None:
    if name == "apertium":
        from .core.translate.apertium import ApertiumEngine

        return ApertiumEngine(
            modes_dir=settings.apertium_modes_dir,
            pool_size=settings.apertium_pool_size,
            timeout=settings.apertium_timeout,
        )
    if name == "argos":
        from .core.translate.argos import ArgosEngine

        return ArgosEngine(settings.argos_packages_dir or None)
    if name == "libretranslate":
        if not settings.libretranslate_url:
            return None
        from .core.translate.libretranslate import LibreTranslateEngine

        return LibreTranslateEngine(
            settings.libretranslate_url,
            api_key=settings.libretranslate_api_key or None,
            timeout=settings.http_timeout,
            retries=settings.http_retries,
        )
    if name == "deepl":
        if not settings.deepl_auth_key:
            return None
        from .core.translate.deepl import DeepLEngine

        return DeepLEngine(
            settings.deepl_auth_key,
            url=settings.deepl_url,
            timeout=settings.http_timeout,
            retries=settings.http_retries,
        )
    raise ValueError(f"unknown engine {name!r}")


def describe_engines(settings: Settings) -> list[EngineInfo]:
    """Every known engine: configured ones report their own state, the rest what they need."""
    infos = []
    for name in dict.fromkeys([*settings.engines, *KNOWN_ENGINES]):
        engine = _build(name, settings)
        if engine is None:
            infos.append(EngineInfo(name, f"unavailable: {_NEEDS.get(name, 'not configured')}"))
            continue
        try:
            info = engine.info()
        finally:
            engine.close()
        if name not in settings.engines:
            info = EngineInfo(info.name, f"off (not in AUDARMA_ENGINES); {info.state}",
                              info.pairs, info.formats, info.detail)
        infos.append(info)
    return infos
