import pytest

from service.config import Settings, SettingsError
from service.core.translate import EngineInfo, EngineRouter


def test_settings_read_prefixed_variables_with_types():
    settings = Settings.from_env(
        {
            "AUDARMA_ENGINES": "deepl, apertium",
            "AUDARMA_APERTIUM_POOL_SIZE": "4",
            "AUDARMA_HTTP_TIMEOUT": "2.5",
            "AUDARMA_DEEPL_AUTH_KEY": "k",
            "UNRELATED": "x",
        }
    )
    assert settings.engines == ("deepl", "apertium")
    assert settings.apertium_pool_size == 4
    assert settings.http_timeout == 2.5
    assert settings.deepl_auth_key == "k"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUDARMA_APERTIUM_POOL_SIZE": "two"}, "AUDARMA_APERTIUM_POOL_SIZE='two' is not a valid"),
        ({"AUDARMA_ENGINES": "apertium,google"}, "unknown engines ['google']"),
        ({"AUDARMA_FORMER_NAMES": "always"}, "AUDARMA_FORMER_NAMES='always': use one of"),
        ({"AUDARMA_EXONYMS": "apply"}, "AUDARMA_EXONYMS='apply': use one of suggest, off"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Settings.from_env(env)


class Fixed:
    def __init__(self, name, pairs):
        self.name, self._pairs = name, frozenset(pairs)

    def pairs(self):
        return self._pairs

    def translate(self, segments, source, target):
        return [f"{self.name}:{s}" for s in segments]

    def info(self):
        return EngineInfo(self.name, "ready", tuple(sorted(self._pairs)))

    def close(self):
        pass


def test_router_takes_the_first_engine_serving_the_pair_unless_one_is_forced():
    first = Fixed("apertium", [("en", "es")])
    second = Fixed("deepl", [("en", "es"), ("en", "de")])
    router = EngineRouter([first, second])
    assert router.pick("en", "es") is first
    assert router.pick("en", "de") is second
    assert router.pick("en", "es", forced="deepl") is second
    assert router.pick("en", "de", forced="apertium") is None
    assert router.pick("en", "zh") is None
