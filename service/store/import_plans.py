"""Import dry runs kept between the dry run and the apply.

A maintainer uploads a file, reads the dry run, and presses Apply minutes later, perhaps on
another API process or host: the plan and its upload live in the database, not in one
machine's temp folder. Each belongs to the person who made it, and plans nobody applied are
dropped after `max_age` seconds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete

from .db import Database
from .imports import ImportPlan
from .models import ImportPlanRow, now

PLAN_MAX_AGE = 24 * 3600.0


class PlanNotFound(LookupError):
    """No plan with that token (applied, discarded or expired)."""


class NotYourPlan(PermissionError):
    """The plan belongs to someone else."""


@dataclass
class KeptPlan:
    token: str
    user: str
    options: dict
    plan: ImportPlan
    upload: bytes


class ImportPlanStore:
    def __init__(self, db: Database, max_age: float = PLAN_MAX_AGE):
        self.db = db
        self.max_age = max_age

    def keep(self, user: str, options: dict, upload: bytes, plan: ImportPlan,
             token: str | None = None) -> str:
        """Store (or, with `token`, replace) a plan and its upload; returns the token."""
        self._forget_old()
        token = token or secrets.token_urlsafe(24)
        with self.db.session() as session:
            row = session.get(ImportPlanRow, token)
            if row is None:
                row = ImportPlanRow(token=token)
                session.add(row)
            row.user_name, row.options, row.plan, row.upload = (user, options, plan.to_json(),
                                                                upload)
            row.created_at = now()
        return token

    def load(self, token: str, user: str) -> KeptPlan:
        with self.db.session() as session:
            row = session.get(ImportPlanRow, token)
            if row is None or self._expired(row):
                raise PlanNotFound(token)
            if row.user_name != user:
                raise NotYourPlan(token)
            return KeptPlan(row.token, row.user_name, dict(row.options),
                            ImportPlan.from_json(row.plan), bytes(row.upload))

    def drop(self, token: str) -> None:
        with self.db.session() as session:
            session.execute(delete(ImportPlanRow).where(ImportPlanRow.token == token))

    def _expired(self, row: ImportPlanRow) -> bool:
        created = row.created_at
        if created.tzinfo is None:  # SQLite gives timestamps back without their zone
            from datetime import UTC
            created = created.replace(tzinfo=UTC)
        return created < now() - timedelta(seconds=self.max_age)

    def _forget_old(self) -> None:
        cutoff = now() - timedelta(seconds=self.max_age)
        with self.db.session() as session:
            session.execute(delete(ImportPlanRow).where(ImportPlanRow.created_at < cutoff))
