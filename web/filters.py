"""Small template filters shared by every feature's pages."""

from __future__ import annotations

import datetime

from flask_babel import gettext as _

from appliance.i18n import N_
from appliance.services.health import label as health_label

# Codes the sync and the district pages store, in words (the codes stay in exports and 详情).
CHANNELS = {"mqtt": N_("4G"), "usb": N_("USB stick")}
OUTBOX_KINDS = {
    "access.event": N_("gate entry"), "firelane.event": N_("fire-lane incident"),
    "firelane.escalation": N_("fire lane escalated to property management"),
    "firelane.watch_hit": N_("watched plate seen"), "resident.upsert": N_("resident added or changed"),
    "resident.delete": N_("resident removed"), "notice": N_("notice"),
}
BATCH_STATUS = {"stored": N_("saved"), "duplicate": N_("already had it"), "refused": N_("refused")}


def when(value) -> str:
    """A time to the minute: people never need microseconds."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-":
        return value[:16].replace("T", " ")
    return "" if value is None else str(value)


def _word(table: dict):
    return lambda code: _(table[code]) if code in table else (code or "")


def plate_class(plate) -> str:
    """CSS classes for a plate: 8-character new-energy plates are green, like the real ones."""
    text = str(plate or "")
    return "plate green" if len(text) == 8 else "plate blue"


def data_size(nbytes) -> str:
    """Bytes as a person reads them: 0 KB, 12 KB, 3.4 MB."""
    n = int(nbytes or 0)
    if n < 1_000_000:
        return "%d KB" % ((n + 999) // 1000)
    return "%.1f MB" % (n / 1_000_000)


def install(app) -> None:
    app.add_template_filter(plate_class, "plate_class")
    app.add_template_filter(data_size, "data_size")
    app.add_template_filter(when, "when")
    app.add_template_filter(_word(CHANNELS), "channel_word")
    app.add_template_filter(_word(OUTBOX_KINDS), "kind_word")
    app.add_template_filter(_word(BATCH_STATUS), "batch_status")
    app.add_template_filter(health_label, "health_label")
