"""Staff and device accounts: password hashing, login throttling, roles."""

from __future__ import annotations

import datetime
import functools
import logging
import math
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from appliance.db.base import find, now
from appliance.db.durable import durable
from appliance.db.models import LoginFailure, User
from appliance.db.models.accounts import ROLES
from appliance.i18n import N_
from appliance.errors import Conflict, NotFound, PermissionDenied, ValidationError

logger = logging.getLogger(__name__)

MIN_PASSWORD = 8
MAX_PASSWORD = 200  # hashing a megabyte of "password" would be a free way to load the box


class LoginLocked(PermissionDenied):
    msgid = N_("Too many failed attempts. Please wait %(minutes)s minutes and try again.")


class LoginPaused(PermissionDenied):
    msgid = N_("This account had several wrong passwords just now. Please wait %(seconds)s seconds and try again.")


# After ``max_failures`` wrong passwords for one account (from anywhere) inside the window,
# each further try for that account waits this long after the last wrong one: guessing from
# many addresses is slowed to one try per pause, the real user waits a few seconds at most.
ACCOUNT_PAUSE_S = 10


class AccountService:
    def __init__(self, audit, max_failures: int = 5, lockout_s: int = 300):
        self.audit = audit
        self.max_failures = max_failures
        self.lockout_s = lockout_s

    # --- accounts -----------------------------------------------------------------
    def create(self, username: str, role: str, password: str, display_name: str = "",
               actor: str = "cli") -> User:
        username = (username or "").strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise ValidationError("Enter a user name without spaces (at most 64 characters).", field="username")
        if role not in ROLES:
            raise ValidationError("Unknown role %(role)s.", field="role", role=role)
        self._check_password(password)
        if User.get_or_none(User.username == username):
            raise Conflict("The user name %(name)s is taken.", name=username)
        user = User.create(username=username, role=role, display_name=display_name or username,
                           password_hash=generate_password_hash(password))
        self.audit.record(actor, "create", "user", user.id, {"username": username, "role": role})
        return user

    def _check_password(self, password: str, field: str = "password") -> None:
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise ValidationError("The password needs at least %(n)s characters.", field=field, n=MIN_PASSWORD)
        if len(password) > MAX_PASSWORD:
            raise ValidationError("The password can have at most %(n)s characters.", field=field, n=MAX_PASSWORD)

    @staticmethod
    def generate_password() -> str:
        # Readable one-time passwords: no 0/O/1/l confusion for people copying from a screen.
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        return "".join(secrets.choice(alphabet) for _ in range(12))

    def get(self, user_id: int) -> User:
        user = find(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        return user

    def by_name(self, username: str) -> User:
        user = User.get_or_none(User.username == (username or "").strip())
        if user is None:
            raise NotFound("No account is called %(name)s.", name=username)
        return user

    def list(self) -> list[User]:
        return list(User.select().order_by(User.role, User.username))

    # --- sessions -----------------------------------------------------------------
    @staticmethod
    def session_valid(user: User, epoch) -> bool:
        """A session stays valid while the account's epoch is the one it was given at login."""
        return user.active and isinstance(epoch, int) and epoch == user.session_epoch

    @staticmethod
    def _end_sessions(user: User) -> None:
        """Every session of ``user`` (this browser's and any copied cookie) stops working."""
        User.update(session_epoch=User.session_epoch + 1).where(User.id == user.id).execute()
        user.session_epoch = User.get_by_id(user.id).session_epoch

    def logout(self, user_id: int, epoch) -> None:
        user = find(User, user_id)
        if user is None or not self.session_valid(user, epoch):
            return  # already ended
        self._end_sessions(user)
        self.audit.record(user.username, "logout", "user", user.id)

    def set_active(self, user_id: int, active: bool, actor: str) -> User:
        user = self.get(user_id)
        if user.username == actor and not active:
            raise ValidationError("You cannot lock your own account.", field="active")
        user.active = active
        user.save()
        if not active:
            self._end_sessions(user)
        self.audit.record(actor, "update", "user", user.id, {"active": active})
        return user

    def set_role(self, user_id: int, role: str, actor: str) -> User:
        user = self.get(user_id)
        if role not in ROLES:
            raise ValidationError("Unknown role %(role)s.", field="role", role=role)
        if user.username == actor:
            raise ValidationError("You cannot change your own role.", field="role")
        if role == user.role:
            return user
        before = user.role
        user.role = role
        user.save()
        self._end_sessions(user)
        self.audit.record(actor, "role", "user", user.id, {"from": before, "to": role})
        return user

    # --- passwords ------------------------------------------------------------------
    def _store_password(self, user: User, password: str, must_change: bool) -> None:
        password_hash = generate_password_hash(password)  # slow: not inside the transaction
        with durable(User._meta.database):
            user.password_hash = password_hash
            user.must_change_password = must_change
            user.save()
            self._end_sessions(user)

    def set_password(self, user_id: int, password: str, actor: str) -> User:
        """Set a password chosen by someone else (the CLI); ends the account's sessions."""
        self._check_password(password)
        user = self.get(user_id)
        self._store_password(user, password, must_change=False)
        self.audit.record(actor, "password", "user", user.id)
        logger.info("password of account %s set by %s", user.id, actor)
        return user

    def change_password(self, user_id: int, old: str, new: str, repeat: str, client: str = "") -> User:
        """The user's own change: the old password first (a session left open is not enough),
        then the new one twice. Ends every other session; the caller gives this one the new
        epoch. Wrong old passwords count like failed logins."""
        user = self.get(user_id)
        self._check_throttle(user.username, client)
        if not check_password_hash(user.password_hash, old if isinstance(old, str) else ""):
            self._failed(user.username, client)
            raise ValidationError("The current password is wrong.", field="old")
        self._check_password(new, field="new")
        if new != repeat:
            raise ValidationError("The two new passwords are not the same.", field="repeat")
        if new == old:
            raise ValidationError("Choose a new password that differs from the current one.", field="new")
        self._store_password(user, new, must_change=False)
        self.audit.record(user.username, "password", "user", user.id)
        return user

    def reset_password(self, user_id: int, actor: str) -> tuple[User, str]:
        """An administrator's reset: a one-time password, shown once; its owner must choose a
        new one at the next login (a gate kiosk device just keeps it). Ends the account's sessions."""
        user = self.get(user_id)
        if user.username == actor:
            raise ValidationError("Use \"Change my password\" for your own account.", field="form")
        password = self.generate_password()
        self._store_password(user, password, must_change=user.role != "kiosk")
        self.audit.record(actor, "password_reset", "user", user.id)
        return user, password

    def count(self) -> int:
        return User.select().count()

    # --- login ----------------------------------------------------------------------
    @staticmethod
    def _keys(username: str, client: str) -> tuple[str, str]:
        name = (username or "").strip().lower()[:64]
        # One counter per account and address (locks that pair only), one per account (pauses).
        return f"pair:{name}|{(client or '?')[:64]}", f"user:{name}"

    def _recent(self, key: str):
        since = now() - datetime.timedelta(seconds=self.lockout_s)
        return LoginFailure.select().where(LoginFailure.key == key, LoginFailure.at >= since)

    def _check_throttle(self, username: str, client: str) -> None:
        pair, account = self._keys(username, client)
        if self._recent(pair).count() >= self.max_failures:
            raise LoginLocked(minutes=max(1, self.lockout_s // 60))
        recent = self._recent(account)
        if recent.count() >= self.max_failures:
            last = recent.order_by(LoginFailure.at.desc()).first().at
            wait = ACCOUNT_PAUSE_S - (now() - last).total_seconds()
            if wait > 0:
                raise LoginPaused(seconds=int(math.ceil(wait)))

    def _failed(self, username: str, client: str) -> None:
        stamp = now()
        LoginFailure.delete().where(LoginFailure.at < stamp - datetime.timedelta(seconds=self.lockout_s)).execute()
        for key in self._keys(username, client):
            LoginFailure.create(key=key, at=stamp)
        logger.info("failed login for a user from %s", client or "?")

    def authenticate(self, username: str, password: str, client: str = "") -> User:
        """Return the user or raise.

        Five wrong passwords for one account from one address lock that account at that
        address for ``lockout_s``; other accounts at that address and this account elsewhere
        are not locked. Five wrong passwords for one account from anywhere make each further
        try for it wait ``ACCOUNT_PAUSE_S`` after the last wrong one, so the real user waits
        seconds, never minutes. A successful login clears its own address's count.
        """
        self._check_throttle(username, client)
        user = User.get_or_none(User.username == (username or "").strip())
        # Hash even for unknown users so response time does not reveal which names exist.
        valid = check_password_hash(user.password_hash if user else _dummy_hash(),
                                    password if isinstance(password, str) else "")
        if not user or not valid or not user.active:
            self._failed(username, client)
            raise PermissionDenied("Wrong user name or password.")
        LoginFailure.delete().where(LoginFailure.key == self._keys(username, client)[0]).execute()
        user.last_login_at = now()
        user.save()
        self.audit.record(user.username, "login", "user", user.id)
        return user


@functools.cache
def _dummy_hash() -> str:
    # Made on the first login with an unknown name, not at import: a hash costs ~0.1 s and
    # every CLI command imports this module.
    return generate_password_hash("not-a-real-password")
