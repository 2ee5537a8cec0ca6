"""People who sign in to the maintainers' UI, and secrets the deployment's processes share.

Passwords are hashed with Argon2id (argon2-cffi's defaults: 64 MiB, 3 passes), a memory-hard
function, so a stolen table costs an attacker memory as well as time per guess. After
`max_failures` wrong passwords in a row an account locks for `lock_seconds`; the lock and the
count live in the database, so every API process sees them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .models import AppSecret, User, now

UI_ROLES = ("maintainer", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing cost grows with length; nobody types more
MAX_USERNAME = 200

_HASHER = PasswordHasher()
# Verified against when the user does not exist, so an unknown name costs the same time as a
# wrong password and the response does not tell which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A username, role or password the store refuses; the message says which and why."""


class AccountLocked(Exception):
    def __init__(self, until: datetime):
        super().__init__(f"too many failed sign-ins: locked until {until:%H:%M} UTC")
        self.until = until


@dataclass(frozen=True)
class Lockout:
    max_failures: int = 5
    lock_seconds: float = 900.0


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without their zone; every timestamp is stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


class UserStore:
    def __init__(self, db: Database, lockout: Lockout | None = None):
        self.db = db
        self.lockout = lockout or Lockout()

    def create(self, username: str, role: str, password: str) -> dict:
        username = username.strip()
        if not username or len(username) > MAX_USERNAME or any(c.isspace() for c in username):
            raise UserError(f"a username is 1 to {MAX_USERNAME} characters without spaces, "
                            f"not {username!r}")
        if role not in UI_ROLES:
            raise UserError(f"unknown role {role!r}; the UI's roles are {', '.join(UI_ROLES)}")
        user = User(name=username, role=role, password_hash=self._hash(password))
        try:
            with self.db.session() as session:
                session.add(user)
                session.flush()
                return self._dict(user)
        except IntegrityError as exc:
            raise UserError(f"a user named {username!r} already exists") from exc

    def set_password(self, username: str, password: str) -> None:
        """A new password; the user's existing sessions end."""
        digest = self._hash(password)
        with self.db.session() as session:
            user = session.scalar(select(User).where(User.name == username))
            if user is None:
                raise UserError(f"no user named {username!r}")
            user.password_hash = digest
            user.failed_logins, user.locked_until = 0, None
            user.session_epoch += 1

    def authenticate(self, username: str, password: str) -> dict | None:
        """The user if the password is right; None if not. Raises AccountLocked while the
        account is locked, whatever the password."""
        with self.db.session() as session:
            user = session.scalar(
                select(User).where(User.name == username).with_for_update()
            )
            if user is None or not user.password_hash:
                _verify(_DUMMY_HASH, password)
                return None
            locked = _aware(user.locked_until)
            if locked is not None and locked > now():
                raise AccountLocked(locked)
            if _verify(user.password_hash, password):
                user.failed_logins, user.locked_until = 0, None
                if _HASHER.check_needs_rehash(user.password_hash):
                    user.password_hash = _HASHER.hash(password)
                return self._dict(user)
            user.failed_logins += 1
            if user.failed_logins >= self.lockout.max_failures:
                user.locked_until = now() + timedelta(seconds=self.lockout.lock_seconds)
                user.failed_logins = 0
        return None

    def get(self, user_id: str) -> dict | None:
        with self.db.session() as session:
            user = session.get(User, user_id)
            return self._dict(user) if user else None

    def list(self) -> list[dict]:
        with self.db.session() as session:
            return [self._dict(u) for u in session.scalars(select(User).order_by(User.name))]

    @staticmethod
    def _hash(password: str) -> str:
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise UserError(f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters long "
                            f"(this one has {len(password)})")
        return _HASHER.hash(password)

    @staticmethod
    def _dict(user: User) -> dict:
        locked = _aware(user.locked_until)
        return {"id": user.id, "name": user.name, "role": user.role,
                "epoch": user.session_epoch,
                "locked_until": locked.isoformat() if locked and locked > now() else None}


def _verify(digest: str, password: str) -> bool:
    try:
        return _HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def shared_secret(db: Database, name: str) -> str:
    """A random secret stored once per deployment, the same in every process that reads it."""
    with db.session() as session:
        row = session.get(AppSecret, name)
        if row is not None:
            return row.value
    try:
        with db.session() as session:
            session.add(AppSecret(name=name, value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another process made it first: use theirs
    with db.session() as session:
        row = session.get(AppSecret, name)
        assert row is not None
        return row.value
