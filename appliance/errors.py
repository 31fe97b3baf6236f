"""The package's one base error and its few families.

Every error carries an English msgid and parameters; the boundary (CLI, web) translates
it into the user's language with :func:`appliance.i18n.gettext`, so services never need
to know who is reading.
"""

from __future__ import annotations

from appliance.i18n import N_


class LinliError(Exception):
    """Base of every error Linli raises on purpose."""

    msgid = N_("Something went wrong.")

    def __init__(self, msgid: str | None = None, **params):
        self.msgid = msgid or self.msgid
        self.params = params
        super().__init__(self.msgid % params if params else self.msgid)

    def message(self) -> str:
        from appliance.i18n import gettext  # late: i18n loads catalogs lazily

        return gettext(self.msgid, **self.params)


class ConfigError(LinliError):
    msgid = N_("The configuration is not valid.")


class ValidationError(LinliError):
    """Bad input from a person: names the field (and the row for imports)."""

    def __init__(self, msgid: str, field: str | None = None, row: int | None = None, **params):
        self.field = field
        self.row = row
        super().__init__(msgid, **params)


class ValidationErrors(ValidationError):
    """Every bad field of one form at once, so a person fixes them in one go."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.msgid, field=first.field, row=first.row, **first.params)

    def message(self) -> str:
        return " ".join(e.message() for e in self.errors)

    def by_field(self) -> dict:
        found: dict = {}
        for e in self.errors:
            key = e.field or "form"
            found[key] = (found[key] + " " + e.message()) if key in found else e.message()
        return found


class NotFound(LinliError):
    msgid = N_("Not found.")


class PermissionDenied(LinliError):
    msgid = N_("You are not allowed to do this.")


class Conflict(LinliError):
    msgid = N_("This conflicts with existing data.")
