"""Glossary imports: a dry run that classifies every row, then an all-or-nothing apply.

A maintainer sees what an import file would do before anything is written (`plan_import`):
which rows add an entity, change one (before and after), change nothing, conflict with the
glossary or with another row, or are invalid. The plan remembers the glossary revision it was
made at; `apply_import` writes it only if the glossary is still at that revision, so what is
written is exactly what was shown. Conflicts are never written; errors stop the whole apply.

Rows are validated by the loader's own rules (parse_entry for one entry, cross_check for forms
shared with other entities), run on the entry as it would be stored.

For speed (100,000 rows), the live glossary is read once into memory with plain column
queries, forms are looked up in folded-form indexes, and the apply writes with bulk
INSERT/UPDATE statements in one transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlalchemy import insert, select, update

from ..core.folding import fold, romanize_key
from ..core.glossary import MAX_ID, Entry, cross_check, parse_entry
from ..core.interchange import ReadResult, Row
from .db import Database
from .models import GlossaryEntry, GlossaryHistory, GlossaryState, now
from .repositories import entry_body, entry_from_row
from .search import entry_search_fields

ACTIONS = ("add", "change", "unchanged", "conflict", "error")
WRITTEN = ("add", "change")
# Fields parse_entry accepts; `collection` and `territory` are handled beside it.
_ENTRY_FIELDS = ("id", "type", "names", "variants", "short", "note")


class PlanRefused(Exception):
    """An import plan that may not be applied; the message says why and what to do."""


class PlanHasErrors(PlanRefused):
    def __init__(self, count: int):
        super().__init__(f"the import has {count} invalid row(s); fix them and plan again "
                         "(nothing was written)")
        self.count = count


class StalePlan(PlanRefused):
    def __init__(self, planned: int, current: int):
        super().__init__(f"the glossary changed since the dry run (revision {planned}, now "
                         f"{current}); plan the import again and review it (nothing was written)")
        self.planned, self.current = planned, current


@dataclass
class PlanItem:
    """What one row of the file does. `before` and `after` are whole entries (id, type,
    collection, names, ...); `base_version` is the stored row's version the write starts from
    (0: no row with this id exists, not even a deleted one)."""

    action: str
    row: int
    label: str
    entry_id: str | None = None
    before: dict | None = None
    after: dict | None = None
    reason: str = ""
    base_version: int = 0

    def describe(self) -> str:
        """One line for a terminal or a list: the action, where, the entity and what changes."""
        head = f"{self.action:<9} {self.label}"
        if self.entry_id:
            head += f"  {self.entry_id}"
        detail = self.reason
        if self.action == "change" and self.before and self.after:
            detail = "; ".join(changed_fields(self.before, self.after))
        return f"{head}: {detail}" if detail else head


@dataclass
class ImportPlan:
    revision: int
    source: str
    target: str | None
    by: str
    items: list[PlanItem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for item in self.items:
            counts[item.action] += 1
        return counts

    def of(self, action: str) -> list[PlanItem]:
        return [item for item in self.items if item.action == action]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ImportPlan:
        """The plan to_json wrote; ValueError naming the field when it is not one."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("an import plan must be a JSON object")
        expected = {f.name for f in fields(cls)}
        if set(data) != expected:
            raise ValueError(f"an import plan has the fields {', '.join(sorted(expected))}, "
                             f"not {', '.join(sorted(map(str, data)))}")
        if not isinstance(data["revision"], int) or not isinstance(data["items"], list):
            raise ValueError("an import plan needs an integer 'revision' and a list 'items'")
        item_fields = {f.name for f in fields(PlanItem)}
        items = []
        for number, raw in enumerate(data["items"], 1):
            if not isinstance(raw, dict) or not set(raw) <= item_fields:
                raise ValueError(f"item {number} of the import plan is not a plan item")
            item = PlanItem(**raw)
            if item.action not in ACTIONS:
                raise ValueError(f"item {number}: action {item.action!r} is not one of "
                                 f"{', '.join(ACTIONS)}")
            if item.action in WRITTEN and not isinstance(item.after, dict):
                raise ValueError(f"item {number}: an {item.action} needs an 'after' entry")
            items.append(item)
        return cls(**{**data, "items": items})


@dataclass
class ImportResult:
    added: int
    changed: int
    unchanged: int
    conflicts: list[PlanItem]
    revision: int


def changed_fields(before: Mapping, after: Mapping) -> list[str]:
    """What differs between two entries, one phrase per field: "names.ru: 'А' -> 'Б'"."""
    out = []
    for key in ("type", "collection", "note"):
        if before.get(key, "") != after.get(key, ""):
            out.append(f"{key}: {before.get(key, '')!r} -> {after.get(key, '')!r}")
    for key in ("names", "short"):
        old, new = before.get(key) or {}, after.get(key) or {}
        for tag in sorted(set(old) | set(new)):
            if old.get(tag) != new.get(tag):
                out.append(f"{key}.{tag}: {old.get(tag)!r} -> {new.get(tag)!r}")
    old_variants = {v["text"]: v for v in before.get("variants") or ()}
    new_variants = {v["text"]: v for v in after.get("variants") or ()}
    for text in new_variants.keys() - old_variants.keys():
        out.append(f"variant added: {text!r} ({new_variants[text]['kind']})")
    for text in old_variants.keys() - new_variants.keys():
        out.append(f"variant removed: {text!r}")
    for text in new_variants.keys() & old_variants.keys():
        if new_variants[text] != old_variants[text]:
            out.append(f"variant {text!r}: {old_variants[text]} -> {new_variants[text]}")
    return out


# --------------------------------------------------------------------------- planning


def plan_import(
    db: Database, rows: ReadResult | Iterable[Row], *, source: str = "en",
    target: str | None = None, default_type: str = "term", collection: str = "import",
    by: str = "",
) -> ImportPlan:
    """Classify every row against the live glossary, writing nothing.

    Rows with an id are matched by id; others by the folded form of their source-language name
    against every entry's source-language name and variants. `default_type` and `collection`
    apply to new entities whose row gives none.
    """
    read = rows if isinstance(rows, ReadResult) else ReadResult(rows=list(rows))
    glossary = _Glossary.load(db)
    plan = ImportPlan(revision=glossary.revision, source=source, target=target, by=by)
    planner = _Planner(glossary, source, default_type, collection)
    for row in read.rows:
        plan.items.append(planner.plan(row))
    plan.items.extend(PlanItem("error", e.number, e.label, reason=e.message) for e in read.errors)
    planner.mark_duplicates(plan.items)
    return plan


@dataclass
class _Stored:
    entry: Entry
    version: int
    deleted: bool


class _Glossary:
    """The stored glossary in memory, with the forms planned rows have claimed so far."""

    def __init__(self, revision: int, stored: dict[str, _Stored]):
        self.revision = revision
        self.stored = stored
        self.current: dict[str, Entry] = {i: s.entry for i, s in stored.items() if not s.deleted}
        self.forms: dict[str, set[str]] = {}  # folded form -> ids owning it in any role
        self.matches: dict[str, set[str]] = {}  # source name or variant, folded -> ids
        self.taken: set[str] = set(stored)

    @classmethod
    def load(cls, db: Database) -> _Glossary:
        with db.session() as session:
            state = session.get(GlossaryState, 1)
            result = session.execute(select(
                GlossaryEntry.id, GlossaryEntry.type, GlossaryEntry.collection,
                GlossaryEntry.body, GlossaryEntry.version, GlossaryEntry.deleted))
            stored = {row.id: _Stored(entry_from_row(row), row.version, row.deleted)  # type: ignore[arg-type]
                      for row in result}
        return cls(state.revision if state else 0, stored)

    def index(self, source: str) -> None:
        for entry in self.current.values():
            self.claim(entry, source)

    def claim(self, entry: Entry, source: str) -> None:
        for form in _all_forms(entry):
            self.forms.setdefault(fold(form), set()).add(entry.id)
        for form in _match_forms(entry, source):
            self.matches.setdefault(fold(form), set()).add(entry.id)

    def release(self, entry: Entry, source: str) -> None:
        for form in _all_forms(entry):
            self.forms.get(fold(form), set()).discard(entry.id)
        for form in _match_forms(entry, source):
            self.matches.get(fold(form), set()).discard(entry.id)


def _all_forms(entry: Entry) -> Iterable[str]:
    yield from entry.names.values()
    yield from entry.short.values()
    yield from (v.text for v in entry.variants)


def _match_forms(entry: Entry, source: str) -> Iterable[str]:
    if source in entry.names:
        yield entry.names[source]
    yield from (v.text for v in entry.variants)


class _Planner:
    def __init__(self, glossary: _Glossary, source: str, default_type: str, collection: str):
        self.glossary = glossary
        self.source = source
        self.default_type = default_type
        self.collection = collection
        glossary.index(source)

    def plan(self, row: Row) -> PlanItem:
        item = PlanItem("error", row.number, row.label)
        entry_id, matched_by_variant, reason = self._match(row)
        if reason:
            item.action, item.reason = "conflict", reason
            return item
        stored = self.glossary.stored.get(entry_id) if entry_id else None
        before = stored.entry if stored and not stored.deleted else None
        after_data = self._after(row, before, entry_id, matched_by_variant)
        entry, problem = _validate(after_data, row.label)
        item.entry_id = after_data["id"]
        item.before = _entry_dict(before) if before else None
        if entry is None:
            item.reason = problem
            return item
        item.after = _same_order(_entry_dict(entry), item.before)
        item.base_version = stored.version if stored else 0
        if before is not None and item.after == item.before:
            item.action = "unchanged"
            return item
        if matched_by_variant and before is not None:
            # The row's term is one of the entity's variants (a misspelling, a former name), not
            # its name: "Nur-Sultan,Нур-Султан" is a row about the old name, and writing its
            # other columns over Astana's names would put the old name back. A human decides.
            term = (row.fields.get("names") or {}).get(self.source)
            changes = ", ".join(changed_fields(item.before or {}, item.after))
            item.action = "conflict"
            item.reason = (f"{term!r} is a variant of {before.id}, not its name, and the row "
                           f"would change {changes}; edit {before.id} itself, or give an id "
                           "column")
            return item
        clash = self._clashes(entry)
        if clash:
            item.action, item.reason = "conflict", clash
            return item
        item.action = "change" if before is not None else "add"
        self._record(entry)
        return item

    def _match(self, row: Row) -> tuple[str | None, bool, str]:
        """The id of the entity a row is about (None: a new one), whether its source term is
        one of that entity's variants, and a conflict reason when the term is ambiguous."""
        given = row.fields.get("id")
        if isinstance(given, str) and given:
            return given, False, ""
        term = (row.fields.get("names") or {}).get(self.source)
        if not isinstance(term, str) or not term.strip():
            return None, False, ""
        owners = sorted(self.glossary.matches.get(fold(term), ()))
        if len(owners) > 1:
            return None, False, (f"{term!r} names {len(owners)} entities "
                                 f"({', '.join(owners[:5])}); give an id column or edit them")
        if not owners:
            return None, False, ""
        entry = self.glossary.current[owners[0]]
        own_name = entry.names.get(self.source)
        # "Issyk Kul" folds like the name "Issyk-Kul" but is written as a variant: a variant.
        is_variant = own_name != term and (
            own_name is None or fold(own_name) != fold(term)
            or any(v.text == term for v in entry.variants))
        return owners[0], is_variant, ""

    def _after(self, row: Row, before: Entry | None, entry_id: str | None,
               matched_by_variant: bool) -> dict[str, Any]:
        """The entry as the row would leave it, in the collection files' shape."""
        given = dict(row.fields)
        if before is not None and not row.whole:
            names = dict(given.get("names") or {})
            if matched_by_variant:
                names.pop(self.source, None)  # the term is a variant: keep the real name
            data = _entry_dict(before)
            data["names"] = {**data["names"], **names}
            for key in ("type", "collection", "note"):
                if key in given:
                    data[key] = given[key]
            return data
        data = given
        data.setdefault("type", before.type if before else self.default_type)
        data.setdefault("collection", before.collection if before else self.collection)
        if before is not None and before.territory and "territory" not in data:
            data["territory"] = before.territory
        data["id"] = entry_id or self._new_id(data)
        return data

    def _new_id(self, data: Mapping) -> str:
        given = data.get("names")
        names: Mapping = given if isinstance(given, dict) else {}
        base = _slug(str(names.get("en") or names.get(self.source) or ""))
        candidate, number = base, 2
        while candidate in self.glossary.taken:
            suffix = f"-{number}"
            candidate = base[: MAX_ID - len(suffix)] + suffix
            number += 1
        self.glossary.taken.add(candidate)
        return candidate

    def _clashes(self, entry: Entry) -> str:
        """A reason when the entry's forms collide with another entity's (cross_check's rules,
        run on the entities sharing a form with it and then the entry, so that the problems
        found are the entry's), else ''."""
        others = set()
        for form in _all_forms(entry):
            others |= self.glossary.forms.get(fold(form), set())
        others.discard(entry.id)
        if not others:
            return ""
        neighbours = [self.glossary.current[i] for i in sorted(others)]
        known = set(cross_check(neighbours))
        new = [p for p in cross_check([*neighbours, entry]) if p not in known]
        return "; ".join(f"{p.entry}: {p.message}" for p in new)

    def _record(self, entry: Entry) -> None:
        """Let later rows see this one: its forms are claimed, its old ones released."""
        old = self.glossary.current.get(entry.id)
        if old is not None:
            self.glossary.release(old, self.source)
        self.glossary.current[entry.id] = entry
        self.glossary.claim(entry, self.source)
        self.glossary.taken.add(entry.id)

    @staticmethod
    def mark_duplicates(items: list[PlanItem]) -> None:
        """Rows that write one entity: the same result twice is written once (the later row is
        'unchanged'); different results are all conflicts, since neither can win silently."""
        by_entity: dict[str, list[PlanItem]] = {}
        for item in items:
            if item.entry_id and item.action in (*WRITTEN, "unchanged"):
                by_entity.setdefault(item.entry_id, []).append(item)
        for group in by_entity.values():
            writes = [i for i in group if i.action in WRITTEN]
            if len(group) < 2 or not writes:
                continue
            if all(i.after == writes[0].after for i in group):
                for later in group[1:]:
                    if later is not writes[0]:
                        later.action, later.reason = "unchanged", f"same as {writes[0].label}"
                continue
            labels = ", ".join(i.label for i in group)
            for item in group:
                item.action = "conflict"
                item.reason = f"{labels} give different forms for {item.entry_id!r}"


def _validate(data: Mapping, label: str) -> tuple[Entry | None, str]:
    """parse_entry on the entry as it would be stored; the problems as one message."""
    from dataclasses import replace

    raw = {k: v for k, v in data.items() if k in _ENTRY_FIELDS}
    unknown = sorted(str(k) for k in data if k not in (*_ENTRY_FIELDS, "collection", "territory"))
    entry, problems = parse_entry(raw, label, data.get("collection", ""))
    messages = [p.message for p in problems]
    if unknown:
        messages.insert(0, f"unknown field(s) {', '.join(unknown)}")
    if entry is None or messages:
        return None, "; ".join(messages)
    territory = data.get("territory")
    return (replace(entry, territory=territory) if territory else entry), ""


def _same_order(after: dict, before: dict | None) -> dict:
    """`after` with its variants in `before`'s order when only their order differs (TBX groups
    them by language): the order means nothing to the matcher, and is no change."""
    if before and after.get("variants") and before.get("variants"):
        old, new = before["variants"], after["variants"]
        if len(old) == len(new) and all(v in new for v in old):
            after["variants"] = list(old)
    return after


def _entry_dict(entry: Entry) -> dict:
    """A whole entry as plans show it: the YAML shape with collection (and territory)."""
    data = entry.to_dict()
    data["collection"] = entry.collection
    if entry.territory:
        data["territory"] = entry.territory
    return data


def _slug(text: str) -> str:
    """A lowercase id from a name: Latin letters and digits, Cyrillic romanized; 'entry' when
    nothing is left (a Chinese-only name)."""
    slug = re.sub(r"[^a-z0-9]+", "-", romanize_key(text)).strip("-")
    return slug[: MAX_ID - 8].rstrip("-") or "entry"


# --------------------------------------------------------------------------- applying


def apply_import(db: Database, plan: ImportPlan, by: str) -> ImportResult:
    """Write every add and change of the plan in one transaction, with a history row each,
    and bump the glossary revision once. Refuses (PlanRefused) a plan with errors or one made
    at another revision than the current one; conflicts are left out and returned."""
    errors = plan.of("error")
    if errors:
        raise PlanHasErrors(len(errors))
    writes = [item for item in plan.items if item.action in WRITTEN]
    with db.session() as session:
        _claim_revision(session, plan.revision)
        at = now()
        inserts: list[dict] = []
        updates: list[dict] = []
        history: list[dict] = []
        for item in writes:
            assert item.after is not None and item.entry_id is not None
            row = _row_values(item.after)
            version = item.base_version + 1
            values = {**row, "version": version, "deleted": False, "updated_at": at,
                      "updated_by": by, **entry_search_fields(row["id"], row["body"])}
            (updates if item.base_version else inserts).append(values)
            history.append({"entry_id": item.entry_id, "version": version, "action": "import",
                            "body": _history_body(values),
                            "before": _history_body(_row_values(item.before)) if item.before
                            else None,
                            "changed_by": by, "at": at})
        if inserts:
            session.execute(insert(GlossaryEntry), inserts)
        if updates:
            session.execute(update(GlossaryEntry), updates)
        if history:
            session.execute(insert(GlossaryHistory), history)
    counts = plan.counts()
    return ImportResult(added=counts["add"], changed=counts["change"],
                        unchanged=counts["unchanged"], conflicts=plan.of("conflict"),
                        revision=plan.revision + 1)


def _claim_revision(session, planned: int) -> None:
    """Move the revision from `planned` to the next one, or raise StalePlan. One conditional
    UPDATE: two applies of plans made at one revision cannot both pass, on SQLite either."""
    bumped = session.execute(
        update(GlossaryState).where(GlossaryState.id == 1, GlossaryState.revision == planned)
        .values(revision=planned + 1, updated_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if bumped == 1:
        return
    state = session.get(GlossaryState, 1)
    if state is None and planned == 0:
        session.add(GlossaryState(id=1, revision=1))
        return
    raise StalePlan(planned, state.revision if state else 0)


def _row_values(entry: Mapping) -> dict:
    """A plan's whole entry as the columns of its GlossaryEntry row."""
    valid = _entry_from_dict(entry)
    return {"id": valid.id, "type": valid.type, "collection": valid.collection or "",
            "body": entry_body(valid)}


def _history_body(values: Mapping) -> dict:
    """An entry as history keeps it (as GlossaryStore does): id, type, collection, body."""
    return {"id": values["id"], "type": values["type"], "collection": values["collection"],
            **values["body"]}


def _entry_from_dict(data: Mapping) -> Entry:
    """An entry a plan holds, validated when the plan was made (and again here: a plan may
    have come back from a browser)."""
    entry, problem = _validate(data, str(data.get("id")))
    if entry is None:
        raise PlanRefused(f"entry {data.get('id')!r} in the plan is invalid: {problem}")
    return entry
