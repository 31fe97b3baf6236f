"""The work-order state machine and the words for statuses and sources.

new → accepted → in_progress → fixed → closed is the usual path; a step may be skipped
forwards (a volunteer who fixes a lamp on the spot goes new → fixed), never backwards.
fixed (or closed) → reopened → accepted / in_progress / fixed again. Any open order may be
closed without a fix, but only with a reason. merged is final: the order lives on in the
one it was merged into.
"""

from __future__ import annotations

from appliance.db.models.workorders import OPEN_STATUSES, SOURCES, STATUSES
from appliance.errors import ValidationError
from appliance.i18n import N_, gettext

__all__ = ["OPEN_STATUSES", "SOURCES", "STATUSES", "TRANSITIONS", "allowed", "check_move", "MoveRefused", "status_word",
           "source_word"]

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("accepted", "in_progress", "fixed", "closed"),
    "accepted": ("in_progress", "fixed", "closed"),
    "in_progress": ("fixed", "closed"),
    "reopened": ("accepted", "in_progress", "fixed", "closed"),
    "fixed": ("closed", "reopened"),
    "closed": ("reopened",),
    "merged": (),
}

STATUS_WORDS = {
    "new": N_("not yet accepted"), "accepted": N_("accepted"), "in_progress": N_("in progress"), "fixed": N_("fixed"),
    "closed": N_("closed"), "reopened": N_("reopened"), "merged": N_("merged"),
}
# What the button that moves an order into a status says.
ACTION_WORDS = {
    "accepted": N_("Accept"), "in_progress": N_("Start work"), "fixed": N_("Mark fixed"),
    "closed": N_("Close"), "reopened": N_("Reopen"),
}
SOURCE_WORDS = {
    "resident": N_("resident report"), "volunteer_on_behalf": N_("reported by a volunteer for a resident"),
    "sensor": N_("sensor alarm"), "care": N_("elderly care"), "grid": N_("grid task"),
    "firelane": N_("fire lane"), "district": N_("from the district"), "staff": N_("staff"),
}


class MoveRefused(ValidationError):
    """An illegal move; the statuses are put into words in the reader's language."""

    def __init__(self, current: str, target: str):
        self.current, self.target = current, target
        super().__init__(N_("A work order that is %(status)s cannot be set to %(target)s."), field="status",
                         status=current, target=target)

    def message(self) -> str:
        return gettext(self.msgid, status=status_word(self.current), target=status_word(self.target))


def status_word(status: str) -> str:
    return gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def action_word(status: str) -> str:
    return gettext(ACTION_WORDS[status]) if status in ACTION_WORDS else status


def source_word(source: str) -> str:
    return gettext(SOURCE_WORDS[source]) if source in SOURCE_WORDS else source


def allowed(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def check_move(current: str, target: str, note: str) -> None:
    """Raise a translated ValidationError naming both statuses unless the move is legal."""
    if target not in STATUSES:
        raise ValidationError("Unknown status: %(status)s", field="status", status=str(target)[:40])
    if target not in allowed(current):
        raise MoveRefused(current, target)
    if target == "closed" and current in OPEN_STATUSES and not note.strip():
        raise ValidationError("Say why the order is closed without being fixed.", field="note")
