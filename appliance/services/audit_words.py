"""The audit log in sentences: "志愿者 张三 远程开门：快递" instead of ``remote_open gate``
and ``{"reason": "\\u5feb..."}``. Codes nobody planned for are still shown, as they are."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from appliance.db.models import Resident, User
from appliance.i18n import N_, gettext

STAFF_ROLES = {"admin": N_("Administrator"), "volunteer": N_("Volunteer"), "district": N_("District staff"),
               "kiosk": N_("Gate kiosk device"), "police": N_("Community police")}

# What a change was made to, as a noun.
ENTITIES = {
    "resident": N_("resident"), "building": N_("building"), "unit": N_("unit"), "vehicle": N_("vehicle"),
    "household": N_("household"), "user": N_("account"), "visitor_pass": N_("visitor pass"),
    "credential": N_("PIN, card or QR code"), "firelane.zone": N_("fire-lane zone"),
    "firelane.settings": N_("fire-lane settings"), "firelane.incident": N_("fire-lane incident"),
    "gate": N_("gate"), "face_template": N_("face templates"),
    "workorder": N_("work order"), "workorder.category": N_("work-order category"),
    "lamp": N_("street lamp"), "device": N_("device"), "siteplan": N_("site plan"),
    "care.meal": N_("canteen meal"), "care.plan": N_("care plan"), "care.alert": N_("care alert"), "care.visit": N_("visit record"),
    "care.menu": N_("canteen menu"), "care.waste": N_("waste guide entry"), "care.grid_task": N_("grid task"),
}

# (action, entity or "*") -> sentence; %(what)s is the noun above, %(target)s the name or number.
SENTENCES = {
    ("create", "*"): N_("added %(what)s %(target)s"),
    ("update", "*"): N_("changed %(what)s %(target)s"),
    ("delete", "*"): N_("deleted %(what)s %(target)s"),
    ("update", "firelane.settings"): N_("changed the fire-lane settings"),
    ("import", "*"): N_("imported the residents list %(target)s"),
    ("login", "*"): N_("logged in"),
    ("login_refused", "*"): N_("failed to log in on the resident pages"),
    ("login_locked", "*"): N_("was locked out of the resident pages"),
    ("password", "*"): N_("changed the password of %(target)s"),
    ("move_out", "*"): N_("recorded that %(target)s moves out"),
    ("remote_open", "*"): N_("opened the gate remotely"),
    ("fire_reset", "*"): N_("reset the fire alarm at the gate"),
    ("fire_reset_refused", "*"): N_("tried to reset the fire alarm while it still rang"),
    ("new_pin", "*"): N_("gave %(target)s a new PIN"),
    ("add_card", "*"): N_("added a card for %(target)s"),
    ("issue_qr", "*"): N_("printed a new QR code for %(target)s"),
    ("revoke", "*"): N_("revoked %(what)s %(target)s"),
    ("set_schedule", "*"): N_("set the allowed hours of %(target)s"),
    ("clear_schedule", "*"): N_("removed the allowed hours of %(target)s"),
    ("open", "firelane.incident"): N_("fire lane blocked (incident %(target)s)"),
    ("close", "firelane.incident"): N_("fire lane clear again (incident %(target)s)"),
    ("acknowledge", "firelane.incident"): N_("acknowledged fire-lane incident %(target)s"),
    ("face.consent", "*"): N_("recorded face-entry consent of %(target)s"),
    ("face.enroll", "*"): N_("enrolled the face of %(target)s"),
    ("face.withdraw", "*"): N_("withdrew face entry of %(target)s"),
    ("face.sweep", "*"): N_("deleted face templates no longer allowed"),
    ("face.false_accept", "*"): N_("reported a wrong face match for %(target)s"),
    ("open", "workorder"): N_("opened work order %(target)s"),
    ("repeat", "workorder"): N_("raised work order %(target)s again"),
    ("status", "workorder"): N_("changed the status of work order %(target)s"),
    ("assign", "workorder"): N_("assigned work order %(target)s"),
    ("note", "workorder"): N_("added a note to work order %(target)s"),
    ("merge", "workorder"): N_("merged work order %(target)s as a duplicate"),
    ("plus_one", "workorder"): N_("added a \"me too\" to work order %(target)s"),
    ("external_ref", "workorder"): N_("recorded the 12345 number of work order %(target)s"),
    ("lamp_on", "lamp"): N_("switched street lamp %(target)s on by hand"),
    ("lamp_off", "lamp"): N_("switched street lamp %(target)s off by hand"),
    ("lamp_schedule", "lamp"): N_("put street lamp %(target)s back on the sunset clock"),
    ("place", "device"): N_("placed %(target)s on the site plan"),
    ("silence", "device"): N_("silenced the alarms of %(target)s"),
    ("raise", "care.alert"): N_("care alert for %(target)s"),
    ("acknowledge", "care.alert"): N_("went to see %(target)s (care alert)"),
    ("close", "care.alert"): N_("closed the care alert of %(target)s"),
    ("visit", "*"): N_("recorded a visit to %(target)s"),
    ("read_notes", "*"): N_("read the health notes of %(target)s"),
    ("checkin", "*"): N_("recorded that %(target)s is well today"),
    ("book_meal", "*"): N_("booked a meal for %(target)s"),
    ("cancel_meal", "*"): N_("cancelled a meal of %(target)s"),
    ("police_query", "*"): N_("searched the access log (police) %(target)s"),
    ("photo", "care.grid_task"): N_("added photos to grid task %(target)s"),
    ("delete_photo", "care.grid_task"): N_("removed a photo from grid task %(target)s"),
    ("district_setting", "device"): N_("applied the district's device setting %(target)s"),
}

# Detail keys in words; the value of the key named by REASON_KEYS follows the sentence.
DETAIL_WORDS = {
    "reason": N_("reason"), "name": N_("name"), "plate": N_("plate"), "username": N_("user name"),
    "role": N_("role"), "active": N_("active"), "date": N_("date"), "file": N_("file"), "rows": N_("rows"),
    "created": N_("new"), "updated": N_("changed"), "hint": N_("card ending"), "kind": N_("kind"),
    "days": N_("days"), "start": N_("from"), "end": N_("until"), "zone": N_("zone"), "camera": N_("camera"),
    "duration_s": N_("seconds"), "frames": N_("pictures"), "building": N_("building"), "number": N_("unit"),
    "address": N_("address"), "event": N_("event"), "channel": N_("channel"), "version": N_("version"),
    "from": N_("from"), "to": N_("to"), "assignee": N_("assigned to"), "into": N_("merged into"),
    "public": N_("public"), "category": N_("category"), "source": N_("source"), "repeats": N_("times"),
    "ref": N_("12345 number"), "n": N_("how many"),
    "until": N_("until"), "uses": N_("entries allowed"), "note": N_("for"), "duty_name": N_("volunteer on duty"),
    "t2_s": N_("seconds until the volunteer is told"), "t3_s": N_("seconds until it is escalated"),
    "owner_call": N_("call the owner"), "owner_sms": N_("SMS to the owner"), "volunteer_sms": N_("SMS to the volunteer"),
    "spaces": N_("parking spaces"),
}
TARGET_KEYS = ("name", "username", "plate", "file")


@dataclass
class AuditEntry:
    at: datetime.datetime
    who: str  # "志愿者 张三"
    what: str  # the sentence without who
    details: str  # "原因：快递；…"

    @property
    def sentence(self) -> str:
        return f"{self.who} {self.what}"


def staff_word(role: str) -> str:
    return gettext(STAFF_ROLES[role]) if role in STAFF_ROLES else role


def _text(value) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def describe(rows) -> list[AuditEntry]:
    """Audit rows as sentences, with a few lookups for names (one query per kind)."""
    rows = list(rows)
    usernames = {r.actor for r in rows}
    users = {u.username: u for u in User.select().where(User.username.in_(usernames))} if usernames else {}
    resident_ids = {int(r.entity_id) for r in rows if r.entity == "resident" and str(r.entity_id).isdigit()}
    resident_ids |= {int(r.actor.split(":", 1)[1]) for r in rows
                     if r.actor.startswith("resident:") and r.actor.split(":", 1)[1].isdigit()}
    names = ({p.id: p.name for p in Resident.select(Resident.id, Resident.name).where(Resident.id.in_(resident_ids))}
             if resident_ids else {})
    user_ids = {int(r.entity_id) for r in rows if r.entity == "user" and str(r.entity_id).isdigit()}
    accounts = ({u.id: u.username for u in User.select(User.id, User.username).where(User.id.in_(user_ids))}
                if user_ids else {})
    return [_entry(r, users, names, accounts) for r in rows]


def _who(actor: str, users: dict, names: dict) -> str:
    if actor in ("system", ""):
        return gettext("Linli")
    if actor == "cli":
        return gettext("Command line")
    if actor.startswith("resident:"):
        rid = actor.split(":", 1)[1]
        return gettext("Resident %(name)s", name=names.get(int(rid), rid) if rid.isdigit() else rid)
    user = users.get(actor)
    if user is None:
        return actor
    return f"{staff_word(user.role)} {user.display_name or user.username}"


def _entry(r, users: dict, names: dict, accounts: dict) -> AuditEntry:
    detail = r.detail if isinstance(r.detail, dict) else ({} if r.detail is None else {"": r.detail})
    used = next((k for k in TARGET_KEYS if detail.get(k)), None)
    if r.entity == "firelane.incident":
        used = None  # its number, below; the plate stays in the details
    target = str(detail[used]) if used else ""
    if r.entity == "resident" and str(r.entity_id).isdigit():
        target = names.get(int(r.entity_id), target or f"#{r.entity_id}")
    if r.entity == "user" and str(r.entity_id).isdigit():
        target = accounts.get(int(r.entity_id), target)
    if r.entity == "unit" and detail.get("number"):
        target = f"{detail.get('building', '')} {detail['number']}".strip()
    if not target and r.entity_id:
        target = f"#{r.entity_id}"
    msgid = SENTENCES.get((r.action, r.entity)) or SENTENCES.get((r.action, "*"))
    what_noun = gettext(ENTITIES[r.entity]) if r.entity in ENTITIES else r.entity
    if msgid:
        what = gettext(msgid, what=what_noun, target=target).strip()
    else:
        what = f"{r.action} {what_noun} {target}".strip()
    if r.action == "remote_open" and detail.get("reason"):
        what = gettext("%(sentence)s: %(reason)s", sentence=what, reason=detail["reason"])
    shown = {k: v for k, v in detail.items() if k != used}
    if "role" in shown:
        shown["role"] = staff_word(shown["role"])
    if r.action == "remote_open":
        shown.pop("reason", None)
    parts = [f"{gettext(DETAIL_WORDS[k]) if k in DETAIL_WORDS else k}：{_text(v)}" if k else _text(v)
             for k, v in shown.items() if v not in (None, "", [], {})]
    return AuditEntry(r.at, _who(r.actor, users, names), what, "；".join(parts))
