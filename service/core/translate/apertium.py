"""Apertium engine: warm null-flush pipelines per language pair, pooled and restarted on failure.

`translate_cold` runs the plain `apertium -u` command once; the benchmark uses it as a baseline.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from service.core.locales import InvalidLanguageTag, language_of
from service.core.translate.base import EngineError, EngineInfo

ENGINE = "apertium"
DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")

# BCP 47 primary subtag -> Apertium code. The first tag listed for a code is the one reported
# where a single name is needed; Serbo-Croatian is one Apertium language under four tags.
APERTIUM_CODES = {
    "en": "eng", "es": "spa", "ca": "cat", "gl": "glg", "eo": "epo", "eu": "eus",
    "is": "isl", "mk": "mkd", "sh": "hbs", "sr": "hbs", "hr": "hbs", "bs": "hbs",
    "fr": "fra", "pt": "por", "it": "ita", "ro": "ron", "oc": "oci", "an": "arg",
    "ast": "ast", "de": "deu", "nl": "nld", "af": "afr", "sv": "swe", "da": "dan",
    "nb": "nob", "nn": "nno", "cy": "cym", "br": "bre", "ga": "gle", "mt": "mlt",
    "kk": "kaz", "tt": "tat", "ru": "rus", "uk": "ukr", "be": "bel", "bg": "bul",
    "pl": "pol", "cs": "ces", "sk": "slk", "sl": "slv", "id": "ind",
}  # fmt: skip
BASE_MODE = re.compile(r"^([a-z]{3})-([a-z]{3})\.mode$")

# Stream format: these characters are syntax unless backslash-escaped.
_STREAM_SYNTAX = re.compile(r"([\\\[\]^$@/<>{}*])")
# Sent as superblanks (verbatim): "~", which post-generation deletes even when escaped, and
# line breaks, which would otherwise be mere blanks the transfer may move.
# Placeholders are NOT: as superblanks they hide the subject from the tagger ("⟦1⟧ said" came
# out "⟦1⟧ dicho"); as unknown words they read better ("⟦1⟧ dijo") and still come through
# with -n. Should one ever be lost, the enforcement layer retranslates around it.
# A "word" longer than MAX_TOKEN_CHARS (a pasted hash, thousands of hyphen-joined pieces) is
# sent as a superblank too: the analyser's time on one such token grows far faster than its
# length and ends in a timeout; as a superblank it comes back as written. (The pipeline keeps
# such tokens from the engines in the first place, with a warning; this is the engine's own
# guard.)
MAX_TOKEN_CHARS = 100
_VERBATIM = re.compile(rf"~|[\r\n]+|\S{{{MAX_TOKEN_CHARS + 1},}}")
# An empty superblank plus a newline superblank closes the request (as apertium-destxt does);
# a request ending in a bare NUL is never flushed by the first stage.
REQUEST_END = "[][\n]"
_TOKEN_THEN_WORD = re.compile(r"(⟦\d+⟧)(\s+)(\w)")
_SENTENCE_HEAD = re.compile(r"(?:^|[.!?…]\s)[\s(\"'«“‘]*(?:⟦\d+⟧\s*)*$")
_HEAD_WINDOW = 400  # how far back a sentence opening before a placeholder is looked for
_SPACE_RUN = re.compile(r" {2,}")
_SENTENCE_GAP = re.compile(
    r"(?P<stop>[.!?])[\"'”’»)]*(?P<gap>\s+)(?=[\"'“‘«(¿¡]*(?P<next>⟦|[^\W\d_]))"
)
_LAST_WORD = re.compile(r"[\w.]*$")
_SPACE = re.compile(r"\s")
MAX_REQUEST_CHARS = 1500


class PipelineFailure(Exception):
    """A warm pipeline died, refused input or did not answer in time."""


# --- languages and modes ------------------------------------------------------------------------


def apertium_code(tag: str) -> str | None:
    """Apertium's code for a BCP 47 tag ('en-GB' -> 'eng'); None when there is no mapping."""
    try:
        return APERTIUM_CODES.get(language_of(tag))
    except InvalidLanguageTag:
        return None


def tags_for(code: str) -> list[str]:
    """BCP 47 tags that map to an Apertium code, preferred first: 'hbs' -> ['sh', 'sr', ...]."""
    return [tag for tag, mapped in APERTIUM_CODES.items() if mapped == code]


def mode_name(source: str, target: str) -> str | None:
    """The base mode for a pair of tags: ('en', 'es') -> 'eng-spa'."""
    src, tgt = apertium_code(source), apertium_code(target)
    return f"{src}-{tgt}" if src and tgt else None


def discover_modes(modes_dir: Path) -> dict[str, Path]:
    """Base modes ('eng-spa', not variants like 'eng-cat_valencia') between mapped languages."""
    known = set(APERTIUM_CODES.values())
    modes = {}
    for path in sorted(modes_dir.glob("*.mode")):
        match = BASE_MODE.match(path.name)
        if match and match[1] in known and match[2] in known:
            modes[f"{match[1]}-{match[2]}"] = path
    return modes


def null_flush_commands(mode_text: str) -> list[list[str]]:
    """The mode's pipeline as one argv per stage, each with `-z` so it flushes at a NUL byte.

    A mode is written for the `apertium` wrapper's shell: $1 is the generator option, which is
    -n (no unknown-word marks) under `apertium -u`, and $2 an optional tagger option, unset.
    """
    commands = []
    for stage in mode_text.strip().split("|"):
        argv = ["-n" if arg == "$1" else arg for arg in shlex.split(stage) if arg != "$2"]
        if "-z" not in argv:
            argv.insert(1, "-z")
        commands.append(argv)
    return commands


# --- stream format ------------------------------------------------------------------------------


def encode_request(text: str) -> bytes:
    """One request in Apertium's stream format, NUL-terminated."""
    parts, pos = [], 0
    for match in _VERBATIM.finditer(text):
        parts.append(escape_stream(text[pos : match.start()]))
        parts.append(f"[{escape_stream(match[0])}]")
        pos = match.end()
    parts.append(escape_stream(text[pos:]))
    return ("".join(parts) + REQUEST_END + "\0").encode()


def escape_stream(text: str) -> str:
    # A NUL inside the text would end the request early; it carries no meaning in news copy.
    return _STREAM_SYNTAX.sub(r"\\\1", text.replace("\0", ""))


def decode_reply(reply: str) -> str:
    """Plain text from a reply: superblanks unwrapped, escapes undone, the request end removed."""
    reply = reply.removesuffix(REQUEST_END)
    out, in_blank = [], False
    chars = iter(reply)
    for char in chars:
        if char == "\\":
            out.append(next(chars, ""))
        elif char == "[" and not in_blank:
            in_blank = True
        elif char == "]" and in_blank:
            in_blank = False
        else:
            out.append(char)
    return "".join(out)


def split_sentences(text: str) -> list[tuple[str, str]]:
    """A segment's sentences, each with the gap that follows it, split only where it is clear.

    Sent as separate requests, the sentences of one paragraph flow through the stages in
    parallel. Apertium reads "U.S. Army" or "Mr. Smith" as one sentence, and splitting there
    changes the translation, so a break needs a lowercase word or a number before the full
    stop and a capital (or a placeholder) after it.
    """
    parts, start = [], 0
    for gap in _SENTENCE_GAP.finditer(text):
        if _is_sentence_end(text, gap):
            parts.append((text[start : gap.start("gap")], gap["gap"]))
            start = gap.end("gap")
    if start < len(text):
        parts.append((text[start:], ""))
    return [piece for sentence, gap in parts for piece in _bounded(sentence, gap)]


def _bounded(sentence: str, gap: str) -> list[tuple[str, str]]:
    """A sentence, or an overlong one cut at spaces into requests of at most
    MAX_REQUEST_CHARS: one reply for 200 KB without a full stop would take longer than the
    timeout allows, and be retried in vain; no real sentence is that long."""
    if len(sentence) <= MAX_REQUEST_CHARS:
        return [(sentence, gap)]
    pieces: list[tuple[str, str]] = []
    start = 0
    while len(sentence) - start > MAX_REQUEST_CHARS:
        cut = sentence.rfind(" ", start + 1, start + MAX_REQUEST_CHARS)
        if cut <= start:
            # One token fills the window: cut after it (encode_request makes it a superblank).
            found = _SPACE.search(sentence, start + MAX_REQUEST_CHARS)
            if found is None:
                break
            cut = found.start()
        stop = cut
        while stop < len(sentence) and sentence[stop].isspace():
            stop += 1
        pieces.append((sentence[start:cut], sentence[cut:stop]))
        start = stop
    pieces.append((sentence[start:], gap))
    return pieces


def _is_sentence_end(text: str, gap: re.Match) -> bool:
    if not (gap["next"] == "⟦" or gap["next"].isupper()):
        return False
    if gap["stop"] != ".":
        return True
    last = _LAST_WORD.search(text, max(0, gap.start() - 40), gap.start())
    assert last is not None  # "[\w.]*$" matches at the end, if only the empty string
    word = last[0]
    return word.isdigit() or (len(word) >= 2 and word.isalpha() and word.islower())


def tidy(source: str, translated: str) -> str:
    """Fix what the pipeline does to spacing and case around dropped words and placeholders."""
    text = translated
    # Dropped words ("He said" -> "Dijo") leave their blanks behind.
    if "  " not in source:
        text = _SPACE_RUN.sub(" ", text)
    text = restore_case_after_placeholders(source, text)
    lead = source[: len(source) - len(source.lstrip())]
    trail = source[len(source.rstrip()) :]
    return lead + text.strip() + trail


def restore_case_after_placeholders(source: str, translated: str) -> str:
    """Undo the capital Apertium gives a word after a sentence-opening placeholder.

    The transfer capitalizes the first word of a sentence; a superblank is not a word, so in
    "⟦1⟧ met ⟦2⟧" it capitalizes "met". Where the source word was lowercase, lower it again.
    """
    lowercase_after = {m[1] for m in _TOKEN_THEN_WORD.finditer(source) if m[3].islower()}

    def fix(match: re.Match) -> str:
        token, gap, letter = match.groups()
        # Only the text just before matters; searching from 0 each time made a paragraph of
        # thousands of placeholders quadratic.
        opens_sentence = _SENTENCE_HEAD.search(
            translated, max(0, match.start() - _HEAD_WINDOW), match.start()
        )
        if token in lowercase_after and letter.isupper() and opens_sentence:
            return token + gap + letter.lower()
        return match[0]

    return _TOKEN_THEN_WORD.sub(fix, translated)


# --- one warm pipeline --------------------------------------------------------------------------


def _opened(stream: IO[bytes] | None) -> IO[bytes]:
    """A stream the pipeline opened: a stage's stdin or stdout (every stage is started with
    pipes) or, once a stage is started, the stderr file."""
    assert stream is not None
    return stream


class Pipeline:
    """One long-lived pipeline for one mode; started on first request, restarted after failure.

    The stages are started here, one process each, rather than under `bash -c`: then this
    process is their parent and reaps every one after a kill, instead of leaving orphans for
    a PID 1 that, in a container, may never reap them.
    """

    def __init__(self, commands: list[list[str]], timeout: float):
        self.commands = commands
        self.timeout = timeout
        self._stages: list[subprocess.Popen] = []
        self._stderr: IO[bytes] | None = None
        self._buffer = bytearray()
        self._lock = threading.Lock()  # start/kill may race with close() from another thread
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The first stage's pid, which is also the pipeline's process group id."""
        stages = self._stages
        alive = stages and all(stage.poll() is None for stage in stages)
        return stages[0].pid if alive else None

    def exchange(self, payloads: Sequence[bytes], replies: list[bytes]) -> None:
        """Send NUL-terminated requests, appending each reply (NUL removed) as it arrives.

        All requests go in at once, so successive stages work on successive requests in
        parallel. Each reply must come within `timeout` of the one before. Any failure kills
        the pipeline, since it may still owe a late reply that would answer the next request;
        the replies that did arrive stay in `replies`, and the next exchange starts afresh.
        """
        self._ensure_started()
        try:
            self._pump(b"".join(payloads), replies, len(replies) + len(payloads))
        except OSError as exc:  # BrokenPipeError and friends: the pipeline went away
            raise self._fail(f"pipeline I/O failed: {exc}") from exc

    def _fail(self, message: str) -> PipelineFailure:
        failure = PipelineFailure(message + self._stderr_tail())
        self.kill()
        return failure

    def _ensure_started(self) -> None:
        with self._lock:
            if self._closed:
                raise PipelineFailure("engine is closed")
            if self.pid is not None:
                return
            try:
                self._start()
            except (OSError, subprocess.SubprocessError) as exc:
                raise self._fail(f"cannot start the pipeline: {exc}") from exc

    def _start(self) -> None:
        self.kill()  # whatever is left of a pipeline that lost a stage
        # A file, not a pipe, so a chatty stage can never block; it lives as long as the stages.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        upstream: int | IO[bytes] = subprocess.PIPE
        for argv in self.commands:
            # All stages share the first one's process group, so one signal reaches them all.
            group = self._stages[0].pid if self._stages else 0
            stage = subprocess.Popen(
                argv, stdin=upstream, stdout=subprocess.PIPE, stderr=self._stderr,
                process_group=group,
            )  # fmt: skip
            if self._stages:
                assert not isinstance(upstream, int)  # the stage before's stdout, not PIPE
                upstream.close()  # only the next stage reads it; EOF must reach it, not us
            self._stages.append(stage)
            upstream = _opened(stage.stdout)
        os.set_blocking(_opened(self._stages[0].stdin).fileno(), False)
        self._buffer.clear()

    def _pump(self, data: bytes, replies: list[bytes], expected: int) -> None:
        # Write and read in one select loop: output fills the pipe back to us long before a
        # large input is all written, so writing first and reading after could deadlock.
        stdin = _opened(self._stages[0].stdin).fileno()
        stdout = _opened(self._stages[-1].stdout).fileno()
        pending = memoryview(data)
        deadline = time.monotonic() + self.timeout
        while len(replies) < expected:
            if (reply := self._take_reply()) is not None:
                replies.append(reply)
                deadline = time.monotonic() + self.timeout
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._fail(f"no reply within {self.timeout:g} s")
            writers = [stdin] if pending else []
            readable, writable, _ = select.select([stdout], writers, [], remaining)
            if writable:
                pending = pending[self._write_some(stdin, pending) :]
            if readable:
                chunk = os.read(stdout, 1 << 16)
                if not chunk:
                    raise self._fail("pipeline exited")
                self._buffer += chunk

    @staticmethod
    def _write_some(fd: int, data: memoryview) -> int:
        try:
            return os.write(fd, data[: 1 << 16])
        except BlockingIOError:
            return 0

    def _take_reply(self) -> bytes | None:
        while (end := self._buffer.find(b"\0")) >= 0:
            reply = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            # Every real reply holds at least the request end; an empty one is a stray flush.
            if reply:
                return reply
        return None

    def _stderr_tail(self) -> str:
        if self._stderr is None:  # no process started yet
            return ""
        try:
            self._stderr.seek(0)
            text = self._stderr.read()[-300:].decode(errors="replace").strip()
        except (AttributeError, ValueError, OSError):  # no process started, or already reaped
            return ""
        return f" (stderr: {text})" if text else ""

    def kill(self) -> None:
        """Kill and reap every stage; only the thread holding this pipeline calls it."""
        self._signal_group()
        stages, self._stages = self._stages, []
        for stage in stages:
            stage.kill()  # in case one never made it into the group
            stage.wait()
        if stages:
            # A broken pipe may refuse to close over unflushed data; no one is left to read it.
            for stream in (
                _opened(stages[0].stdin), _opened(stages[-1].stdout), _opened(self._stderr)
            ):
                with suppress(OSError):
                    stream.close()

    def abort(self) -> None:
        """Refuse further starts and kill the running stages; safe from any thread.

        Reaping is left to the holder: closing the pipes under a thread still selecting on
        them could hand their descriptor numbers to some other file.
        """
        with self._lock:
            self._closed = True
            self._signal_group()

    def _signal_group(self) -> None:
        stages = self._stages
        if stages:
            with suppress(ProcessLookupError, PermissionError):  # the group is already gone
                os.killpg(stages[0].pid, signal.SIGKILL)


class PipelinePool:
    """N pipelines for one mode; a caller holds one exclusively for a whole call.

    First come, first served: when every pipeline is busy, callers queue, and a returned
    pipeline is handed straight to the longest waiter, so a caller arriving later cannot take it
    first (a plain queue.Queue lets a newcomer win the race against a woken waiter).
    """

    def __init__(self, commands: list[list[str]], size: int, timeout: float):
        self._pipelines = [Pipeline(commands, timeout) for _ in range(size)]
        self._lock = threading.Lock()
        # A stack: the most recently used pipeline goes out first, so light traffic stays on one
        # warm process and the others start only when calls really overlap.
        self._idle: list[Pipeline] = list(reversed(self._pipelines))
        self._waiters: deque[_Waiter] = deque()
        self._returned = threading.Condition(self._lock)

    @contextmanager
    def checkout(self) -> Iterator[Pipeline]:
        pipeline = self._acquire()
        try:
            yield pipeline
        finally:
            self._release(pipeline)

    def _acquire(self) -> Pipeline:
        with self._lock:
            if self._idle and not self._waiters:
                return self._idle.pop()
            waiter = _Waiter()
            self._waiters.append(waiter)
        waiter.handed.wait()
        assert waiter.pipeline is not None  # set before `handed` is
        return waiter.pipeline

    def _release(self, pipeline: Pipeline) -> None:
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.pipeline = pipeline
                waiter.handed.set()
            else:
                self._idle.append(pipeline)
                self._returned.notify_all()

    def waiting(self) -> int:
        """Callers queued for a pipeline right now."""
        with self._lock:
            return len(self._waiters)

    def pids(self) -> list[int]:
        return [p.pid for p in self._pipelines if p.pid is not None]

    def close(self, grace: float = 5.0) -> None:
        for pipeline in self._pipelines:
            pipeline.abort()
        # Busy pipelines come back as soon as their killed process reports EOF.
        deadline = time.monotonic() + grace
        with self._lock:
            while len(self._idle) < len(self._pipelines) and not self._waiters:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._returned.wait(left)
            idle, self._idle = self._idle, []
        for pipeline in idle:
            pipeline.kill()


class _Waiter:
    """One caller queued for a pipeline, and the pipeline once it is handed over."""

    __slots__ = ("handed", "pipeline")

    def __init__(self) -> None:
        self.handed = threading.Event()
        self.pipeline: Pipeline | None = None


# --- the engine ---------------------------------------------------------------------------------


class ApertiumEngine:
    """Translator over the installed Apertium modes, through pools of warm pipelines."""

    name = ENGINE

    def __init__(
        self,
        modes_dir: Path | str = DEFAULT_MODES_DIR,
        pool_size: int = 1,
        timeout: float = 10.0,
    ):
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.modes_dir = Path(modes_dir)
        self.pool_size = pool_size
        self.timeout = timeout
        self._modes, self._unavailable = self._find_modes()
        self._pools: dict[str, PipelinePool] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _find_modes(self) -> tuple[dict[str, Path], str | None]:
        if shutil.which("apertium") is None:
            return {}, "unavailable: the 'apertium' command is not installed"
        if not self.modes_dir.is_dir():
            return {}, f"unavailable: no modes directory at {self.modes_dir}"
        modes = discover_modes(self.modes_dir)
        if not modes:
            return {}, f"unavailable: no language pairs in {self.modes_dir}"
        return modes, None

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(
            (source, target)
            for mode in self._modes
            for source in tags_for(mode[:3])
            for target in tags_for(mode[4:])
        )

    def translate(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        mode = self._mode_for(source, target)
        sentences = [split_sentences(text.strip()) for text in segments]
        payloads = [encode_request(sentence) for parts in sentences for sentence, _ in parts]
        replies = self._run(mode, payloads) if payloads else []
        translated = iter(decode_reply(reply.decode(errors="replace")).strip() for reply in replies)
        return [
            tidy(text, "".join(next(translated) + gap for _, gap in parts)) if parts else text
            for text, parts in zip(segments, sentences, strict=True)
        ]

    def _run(self, mode: str, payloads: list[bytes]) -> list[bytes]:
        """Replies to all requests of one call, from one pipeline held for the whole call."""
        replies: list[bytes] = []
        with self._pool(mode).checkout() as pipeline:
            try:
                pipeline.exchange(payloads, replies)
            except PipelineFailure as first:
                # The failed pipeline is dead; the unanswered requests go to a fresh one.
                try:
                    pipeline.exchange(payloads[len(replies) :], replies)
                except PipelineFailure as second:
                    raise EngineError(
                        self.name,
                        f"{mode} pipeline failed twice: {first}; after restart: {second}",
                        transient=True,
                    ) from second
        return replies

    def pids(self, source: str, target: str) -> list[int]:
        """Process ids of the running pipelines for a pair (for operators and tests)."""
        pool = self._pools.get(self._mode_for(source, target))
        return pool.pids() if pool else []

    def _mode_for(self, source: str, target: str) -> str:
        mode = mode_name(source, target)
        if mode not in self._modes:
            served = ", ".join(sorted(self._modes)) or self._unavailable
            raise EngineError(self.name, f"no Apertium mode for {source}->{target} ({served})")
        return mode

    def _pool(self, mode: str) -> PipelinePool:
        with self._lock:
            if self._closed:
                raise EngineError(self.name, "engine is closed")
            if mode not in self._pools:
                commands = null_flush_commands(self._modes[mode].read_text(encoding="utf-8"))
                self._pools[mode] = PipelinePool(commands, self.pool_size, self.timeout)
            return self._pools[mode]

    def info(self) -> EngineInfo:
        warm = {}
        for mode, pool in sorted(self._pools.items()):
            if count := len(pool.pids()):
                warm[f"{tags_for(mode[:3])[0]}-{tags_for(mode[4:])[0]}"] = count
        return EngineInfo(
            name=self.name,
            state=self._unavailable or "ready",
            pairs=tuple(sorted(self.pairs())),
            formats=("text",),
            detail={"pool_size": self.pool_size, "warm": warm},
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()

    def __enter__(self) -> ApertiumEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def translate_cold(text: str, source: str, target: str, timeout: float = 60.0) -> str:
    """Translate with one plain `apertium -u <mode>` run: a fresh process for every call."""
    mode = mode_name(source, target)
    if mode is None:
        raise EngineError(ENGINE, f"no Apertium language code for {source}->{target}")
    try:
        done = subprocess.run(
            ["apertium", "-u", mode],
            input=text.encode(),
            capture_output=True,
            timeout=timeout,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(ENGINE, f"apertium {mode} failed: {exc}", transient=True) from exc
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip() or done.stdout.decode().strip()
        raise EngineError(ENGINE, f"apertium {mode} exited {done.returncode}: {detail}")
    return done.stdout.decode(errors="replace")
