"""Staff and device accounts: password hashing, login throttling, roles."""

from __future__ import annotations

import datetime
import logging
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from appliance.db.base import find, now
from appliance.db.models import LoginFailure, User
from appliance.db.models.accounts import ROLES
from appliance.i18n import N_
from appliance.errors import Conflict, NotFound, PermissionDenied, ValidationError

logger = logging.getLogger(__name__)

MIN_PASSWORD = 8


class LoginLocked(PermissionDenied):
    msgid = N_("Too many failed attempts. Please wait %(minutes)s minutes and try again.")


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

    def _check_password(self, password: str) -> None:
        if not password or len(password) < MIN_PASSWORD:
            raise ValidationError("The password needs at least %(n)s characters.", field="password", n=MIN_PASSWORD)

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

    def list(self) -> list[User]:
        return list(User.select().order_by(User.role, User.username))

    def set_active(self, user_id: int, active: bool, actor: str) -> User:
        user = self.get(user_id)
        if user.username == actor and not active:
            raise ValidationError("You cannot lock your own account.", field="active")
        user.active = active
        user.save()
        self.audit.record(actor, "update", "user", user.id, {"active": active})
        return user

    def set_password(self, user_id: int, password: str, actor: str) -> None:
        self._check_password(password)
        user = self.get(user_id)
        user.password_hash = generate_password_hash(password)
        user.save()
        self.audit.record(actor, "password", "user", user.id)

    def count(self) -> int:
        return User.select().count()

    # --- login ----------------------------------------------------------------------
    def _failures(self, key: str) -> int:
        since = now() - datetime.timedelta(seconds=self.lockout_s)
        return LoginFailure.select().where(LoginFailure.key == key, LoginFailure.at >= since).count()

    def authenticate(self, username: str, password: str, client: str = "") -> User:
        """Return the user or raise; throttles by user name and by client address."""
        keys = [f"user:{(username or '').strip().lower()}", f"addr:{client}"]
        if any(self._failures(k) >= self.max_failures for k in keys):
            raise LoginLocked(minutes=max(1, self.lockout_s // 60))
        user = User.get_or_none(User.username == (username or "").strip())
        # Hash even for unknown users so response time does not reveal which names exist.
        valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
        if not user or not valid or not user.active:
            for k in keys:
                LoginFailure.create(key=k)
            logger.info("failed login for a user from %s", client or "?")
            raise PermissionDenied("Wrong user name or password.")
        LoginFailure.delete().where(LoginFailure.key == keys[0]).execute()
        user.last_login_at = now()
        user.save()
        self.audit.record(user.username, "login", "user", user.id)
        return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")
