"""What the use cases need from the store, written as Protocols.

The use cases name these types, never the SQLAlchemy repositories: a reader sees at one glance
which store calls a use case makes, the type checker holds the repositories in
service.store to them, and a unit test can hand a use case a small in-memory double.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from ..core.glossary import Entry

if TYPE_CHECKING:
    from ..store.batches import Item  # a plain dataclass: one batch line, parsed
    from ..store.repositories import Findings  # a plain dataclass: what a finished job found

# Hands a committed job to the workers of a queue: (job id, queue name).
Enqueue = Callable[[str, str], None]


class Jobs(Protocol):
    def submit(
        self, *, api_key_id: str | None, text: str, targets: list[str], source_language: str,
        fmt: str, engine: str | None, callback_url: str | None, idempotency_key: str | None,
        queue: str,
    ) -> tuple[dict, bool]: ...

    def get(self, job_id: str, api_key_id: str | None = None) -> dict | None: ...

    def document(self, job_id: str) -> dict | None: ...

    def claim_many(self, job_ids: Sequence[str]) -> list[dict]: ...

    def complete_many(self, documents: Sequence[tuple[str, dict]]) -> None: ...

    def renew(self, job_ids: Sequence[str]) -> None: ...

    def release(self, job_ids: Sequence[str], detail: str) -> None: ...

    def fail(self, job_id: str, error: str) -> None: ...

    def note_retry(self, job_id: str, detail: str) -> None: ...

    def mark_unqueued(self, job_id: str, reason: str) -> None: ...

    def sweep(self, limit: int = 500, busy_queues: Iterable[str] = ()) -> Taken: ...


class Taken(Protocol):
    """What a sweep of the store took back (service.store.repositories.Sweep)."""

    @property
    def requeue(self) -> list[tuple[str, str]]: ...

    @property
    def failed(self) -> list[str]: ...


class Batches(Protocol):
    """What submitting a batch needs from the store (service.store.batches.BatchStore)."""

    def open(self, api_key_id: str | None, name: str = "") -> str: ...

    def add_items(self, batch_id: str, start: int, items: Sequence[Item]) -> list[str]: ...

    def cancel(self, batch_id: str) -> int: ...


class Glossary(Protocol):
    def revision(self) -> int: ...

    def entries(self) -> list[Entry]: ...


class Candidates(Protocol):
    def record_many(self, findings: Sequence[Findings]) -> int: ...

    def rejected(self, language: str, spellings: Iterable[str]) -> set[str]: ...

    def approve(self, candidate_id: int, by: str, glossary, entity_id: str | None = None
                ) -> dict: ...

    def reject(self, candidate_id: int, by: str) -> dict: ...


class Keys(Protocol):
    def webhook_secret(self, key_id: str | None) -> str | None: ...


class WebhookAttempts(Protocol):
    def record(self, job_id: str, attempt: int, url: str, status_code: int | None,
               error: str | None, delivered: bool) -> None: ...
