"""ApertiumEngine against the installed Apertium: pairs, stream format, warm pool, recovery."""

import os
import re
import shutil
import signal
import threading
from pathlib import Path

import pytest

from service.core.translate.apertium import (
    ApertiumEngine,
    decode_reply,
    encode_request,
    null_flush_commands,
    restore_case_after_placeholders,
    split_sentences,
    tidy,
    translate_cold,
)
from service.core.translate.base import PLACEHOLDER, EngineError, Translator

if shutil.which("apertium") is None:
    reason = (
        "apertium is not installed (apt-get install apertium apertium-eng-spa apertium-eng-cat)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

STREAM_RESIDUE = set("[]^$*#@")


@pytest.fixture
def engine():
    with ApertiumEngine(pool_size=2) as eng:
        yield eng


def fake_modes(tmp_path: Path, modes: dict[str, str]) -> Path:
    for name, pipeline in modes.items():
        (tmp_path / f"{name}.mode").write_text(pipeline + "\n", encoding="utf-8")
    return tmp_path


def group_gone(pgid: int) -> bool:
    """True when no process, not even an unreaped zombie, is left in a pipeline's group."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


# --- pairs and availability ---------------------------------------------------------------------


def test_installed_pairs_are_listed_in_bcp47(engine):
    assert isinstance(engine, Translator)
    assert {("en", "es"), ("en", "ca")} <= engine.pairs()
    info = engine.info()
    assert info.state == "ready"
    assert ("en", "es") in info.pairs
    assert info.detail == {"pool_size": 2, "warm": {}}


def test_unknown_pair_is_not_listed_and_refused(engine):
    assert ("en", "ja") not in engine.pairs()
    with pytest.raises(EngineError, match=r"no Apertium mode for en->ja") as caught:
        engine.translate(["Hello."], "en", "ja")
    assert not caught.value.transient


def test_only_base_modes_between_mapped_languages_are_pairs(tmp_path):
    modes = fake_modes(
        tmp_path,
        {"eng-spa": "cat", "eng-cat_valencia": "cat", "xyz-eng": "cat", "eng-hbs": "cat"},
    )
    pairs = ApertiumEngine(modes).pairs()
    assert ("en", "es") in pairs
    assert {("en", "sr"), ("en", "hr"), ("en", "bs"), ("en", "sh")} <= pairs
    assert not any(target == "ca" or source == "xyz" for source, target in pairs)


def test_missing_modes_dir_makes_engine_unavailable(tmp_path):
    engine = ApertiumEngine(tmp_path / "absent")
    assert engine.pairs() == frozenset()
    assert engine.info().state.startswith("unavailable: ")
    assert "absent" in engine.info().state


def test_regional_tags_use_the_language_mode(engine):
    [out] = engine.translate(["The president met the minister."], "en-GB", "es-ES")
    assert "presidente" in out


# --- translation and the stream format ----------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "words"),
    [("es", ["presidente", "ministro", "gobierno", "presupuesto"]),
     ("ca", ["president", "ministre", "pressupost"])],
)  # fmt: skip
def test_translates_real_sentences(engine, target, words):
    out = engine.translate(
        ["The president met the minister.", "The government approved the new budget."],
        "en",
        target,
    )
    assert len(out) == 2
    for word in words:
        assert word in " ".join(out).lower()
    assert "president" not in out[1] and "budget" not in " ".join(out)


@pytest.mark.parametrize("target", ["es", "ca"])
def test_placeholders_survive_once_each_in_order(engine, target):
    source = "⟦1⟧ met ⟦2⟧ in ⟦3⟧ on ⟦4⟧."
    [out] = engine.translate([source], "en", target)
    assert PLACEHOLDER.findall(out) == ["1", "2", "3", "4"]
    assert not STREAM_RESIDUE & set(out), out
    # Each token stands apart as a word, as in the source.
    assert re.fullmatch(r"⟦1⟧ \w.* ⟦2⟧ \w+ ⟦3⟧ \w+ ⟦4⟧\.", out), out


def test_word_after_sentence_opening_placeholder_keeps_its_case(engine):
    [out] = engine.translate(["Talks ended. ⟦1⟧ said he was happy."], "en", "es")
    assert re.search(r"\. ⟦1⟧ [a-zá-ú]", out), out


def test_special_characters_round_trip(engine):
    source = "Use [brackets], pay $5 ^ 2, a/b, <tag>, 3 * 4, @home, C:\\path, ~5 and {x}."
    [out] = engine.translate([source], "en", "es")
    for char in "[]$^/<>*@\\~{}":
        assert out.count(char) == source.count(char), (char, out)
    assert "\\[" not in out and "\\$" not in out


def test_newlines_and_outer_whitespace_are_kept(engine):
    [out] = engine.translate(["  The president.\n\nThe minister.\n"], "en", "es")
    assert out.startswith("  ") and out.endswith(".\n")
    first, second = out.strip().split("\n\n")
    assert "presidente" in first and "ministro" in second


def test_blank_segments_come_back_unchanged(engine):
    assert engine.translate(["", "  \n"], "en", "es") == ["", "  \n"]
    assert engine.pids("en", "es") == []  # nothing to translate, nothing started


def test_long_segment_does_not_deadlock_the_pipes(engine):
    # ~110 kB: more than a pipe buffer each way, so input and output must flow together.
    source = " ".join(f"The minister signed {n} agreements." for n in range(3000))
    [out] = engine.translate([source], "en", "es")
    assert re.findall(r"\d+", out) == [str(n) for n in range(3000)]


# --- the warm pool ------------------------------------------------------------------------------


def test_warm_pipeline_is_reused_across_calls(engine):
    engine.translate(["The president met the minister."], "en", "es")
    [pid] = engine.pids("en", "es")
    engine.translate(["The government approved the new budget."], "en", "es")
    assert engine.pids("en", "es") == [pid]
    assert engine.info().detail["warm"] == {"en-es": 1}


def test_concurrent_calls_each_get_their_own_translations(engine):
    results, errors = {}, []

    def worker(thread: int) -> None:
        try:
            for i in range(10):
                n = 1000 + thread * 10 + i
                segments = [
                    f"The minister signed {n} agreements.",
                    f"The bank lent {n + 5000} euros.",
                ]
                results[n] = engine.translate(segments, "en", "es")
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == 80
    for n, (signed, lent) in results.items():
        assert re.findall(r"\d+", signed) == [str(n)] and "ministro" in signed
        assert re.findall(r"\d+", lent) == [str(n + 5000)] and "banco" in lent
    assert 1 <= len(engine.pids("en", "es")) <= 2


# --- recovery -----------------------------------------------------------------------------------


def test_killed_pipeline_is_restarted(engine):
    engine.translate(["The president met the minister."], "en", "es")
    [pid] = engine.pids("en", "es")
    os.killpg(pid, signal.SIGKILL)
    [out] = engine.translate(["The government approved the new budget."], "en", "es")
    assert "gobierno" in out
    [new_pid] = engine.pids("en", "es")
    assert new_pid != pid


def test_hung_pipeline_is_killed_and_request_retried():
    with ApertiumEngine(pool_size=1, timeout=3.0) as engine:
        engine.translate(["The president met the minister."], "en", "es")
        [pid] = engine.pids("en", "es")
        os.killpg(pid, signal.SIGSTOP)
        [out] = engine.translate(["The government approved the new budget."], "en", "es")
        assert "gobierno" in out
        assert engine.pids("en", "es") != [pid]
        assert group_gone(pid)


def test_pipeline_that_always_hangs_raises_transient_error(tmp_path):
    modes = fake_modes(tmp_path, {"eng-spa": "tail -f /dev/null"})  # reads nothing, never ends
    with ApertiumEngine(modes, pool_size=1, timeout=0.5) as engine:
        with pytest.raises(EngineError, match=r"failed twice: no reply within 0.5 s") as caught:
            engine.translate(["The president met the minister."], "en", "es")
        assert caught.value.transient
        assert engine.pids("en", "es") == []


def test_pipeline_that_cannot_start_reports_its_stderr(tmp_path):
    modes = fake_modes(tmp_path, {"eng-spa": "cat"})  # cat has no -z option and exits at once
    failure = r"pipeline (exited|I/O failed).*stderr: .*cat"
    with ApertiumEngine(modes, timeout=2.0) as engine, pytest.raises(EngineError, match=failure):
        engine.translate(["Hello."], "en", "es")


def test_close_stops_every_process_and_refuses_work():
    engine = ApertiumEngine()
    engine.translate(["Hello."], "en", "es")
    engine.translate(["Hello."], "en", "ca")
    pids = engine.pids("en", "es") + engine.pids("en", "ca")
    assert len(pids) == 2
    engine.close()
    assert all(group_gone(pid) for pid in pids)
    assert engine.info().detail["warm"] == {}
    with pytest.raises(EngineError, match="closed"):
        engine.translate(["Hello."], "en", "es")


def test_cold_translation_runs_the_plain_command():
    out = translate_cold("The president met the minister.", "en", "es")
    assert "presidente" in out and "*" not in out


# --- the pure stream helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "request_text"),
    [
        ("plain words", "plain words[][\n]\0"),
        ("a [b] $c ^d @e /f <g> {h} *i \\j",
         r"a \[b\] \$c \^d \@e \/f \<g\> \{h\} \*i \\j" + "[][\n]\0"),
        ("⟦1⟧ met ⟦12⟧.", "⟦1⟧ met ⟦12⟧.[][\n]\0"),  # placeholders as plain words
        ("about ~5", "about [~]5[][\n]\0"),
        ("one\n\ntwo", "one[\n\n]two[][\n]\0"),
        ("nul\0byte", "nulbyte[][\n]\0"),
    ],
)  # fmt: skip
def test_encode_request(text, request_text):
    assert encode_request(text) == request_text.encode()


@pytest.mark.parametrize(
    ("reply", "text"),
    [
        ("Hola.[][\n]", "Hola."),
        (r"\[x\] \$5 \\ y", "[x] $5 \\ y"),
        ("[⟦1⟧] dijo [⟦2⟧].[][\n]", "⟦1⟧ dijo ⟦2⟧."),
        ("uno[\n\n]dos", "uno\n\ndos"),
        (r"[a\]b[c]", "a]b[c"),
    ],
)  # fmt: skip
def test_decode_reply(reply, text):
    assert decode_reply(reply) == text


@pytest.mark.parametrize(
    ("source", "translated", "expected"),
    [
        ("⟦1⟧ met ⟦2⟧.", "⟦1⟧ Cumplido ⟦2⟧.", "⟦1⟧ cumplido ⟦2⟧."),
        ("Talks ended. ⟦1⟧ said so.", "Acabaron. ⟦1⟧ Dicho.", "Acabaron. ⟦1⟧ dicho."),
        ("(⟦1⟧ ⟦2⟧ met)", "(⟦1⟧ ⟦2⟧ Cumplido)", "(⟦1⟧ ⟦2⟧ cumplido)"),
        # The source word was a capital: leave it.
        ("⟦1⟧ Madrid office", "⟦1⟧ Oficina de Madrid", "⟦1⟧ Oficina de Madrid"),
        # Mid-sentence the capital is Apertium's own choice (a name): leave it.
        ("Yesterday ⟦1⟧ met Spain", "Ayer ⟦1⟧ España", "Ayer ⟦1⟧ España"),
    ],
)  # fmt: skip
def test_restore_case_after_placeholders(source, translated, expected):
    assert restore_case_after_placeholders(source, translated) == expected


@pytest.mark.parametrize(
    ("source", "translated", "expected"),
    [
        ("He ⟦1⟧ said.", " ⟦1⟧  Dijo.", "⟦1⟧ dijo."),
        ("  Indented.\n", "Sangrado.", "  Sangrado.\n"),
        ("Two  spaces kept.", "Dos  espacios.", "Dos  espacios."),
    ],
)
def test_tidy(source, translated, expected):
    assert tidy(source, translated) == expected


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("One sentence only.", [("One sentence only.", "")]),
        ("Talks ended. The minister left.", [("Talks ended.", " "), ("The minister left.", "")]),
        ("It rose in 2024. Prices fell!\n\nWhy? ⟦1⟧ knows.",
         [("It rose in 2024.", " "), ("Prices fell!", "\n\n"), ("Why?", " "), ("⟦1⟧ knows.", "")]),
        ('He said "no." Then he left.', [('He said "no."', " "), ("Then he left.", "")]),
        # Apertium reads these as one sentence; a split would change the translation.
        ("Mr. Smith met Dr. Jones.", [("Mr. Smith met Dr. Jones.", "")]),
        ("The U.S. Army left at 5 p.m. Officials agreed.",
         [("The U.S. Army left at 5 p.m. Officials agreed.", "")]),
        ("Talks ended. then more.", [("Talks ended. then more.", "")]),
        ("", []),
    ],
)  # fmt: skip
def test_split_sentences(text, parts):
    assert split_sentences(text) == parts


def test_multi_sentence_segment_comes_back_whole_and_in_order(engine):
    paragraph = (
        "The minister signed the agreement. The bank lent money to the farmers. "
        "Prices rose in the north. The government approved the new budget."
    )
    [together] = engine.translate([paragraph], "en", "es")
    apart = engine.translate(paragraph.split(". "), "en", "es")
    assert together == ". ".join(part.rstrip(".") for part in apart) + "."


def test_null_flush_commands_give_every_stage_z_and_the_wrapper_options():
    mode = "lt-proc 'a b.bin' | apertium-tagger -g $2 'c.prob' | cg-proc -z d | lt-proc $1 'e'\n"
    assert null_flush_commands(mode) == [
        ["lt-proc", "-z", "a b.bin"],
        ["apertium-tagger", "-z", "-g", "c.prob"],
        ["cg-proc", "-z", "d"],
        ["lt-proc", "-z", "-n", "e"],
    ]
