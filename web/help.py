"""Help for every staff screen: one sentence on what the screen is for, how it is used, and
what to do when something goes wrong. Reachable from the 帮助 link on every page, which opens
the help of the screen one is on.

The words live here (translated like every other text) rather than in a manual nobody opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for

from appliance.i18n import N_
from web.auth import READERS, load_user, roles

bp = Blueprint("help", __name__, url_prefix="/help")


@dataclass(frozen=True)
class Topic:
    title: str
    what: str
    how: tuple[str, ...]
    trouble: tuple[tuple[str, str], ...]  # (what you see, what to do)


TOPICS: dict[str, Topic] = {
    "dashboard": Topic(
        N_("Overview"), N_("The overview shows at a glance how the box and the community are doing."),
        (N_("Red lines under 系统状态 need someone; green ones are fine."),
         N_("Tap a number to open the list behind it.")),
        ((N_("A line is red"), N_("Read its words: they say what is wrong and what to do. If it stays red, restart Linli "
                                 "(pull the plug, wait 10 seconds, plug in).")),)),
    "residents": Topic(
        N_("Residents"), N_("The register of who lives where: it decides who may open the gate and who is phoned."),
        (N_("Search by name, phone or unit; filter elderly living alone, minors or by building."),
         N_("Add one person with 新增住户, or many at once with 导入 from the Excel template.")),
        ((N_("An import is refused"), N_("Nothing was changed. The message names the row and the column: correct the "
                                        "file and import again; try 预览 first.")),
         (N_("A person cannot open the gate"), N_("Open the person: check the move-out date and their PIN, card or QR "
                                                   "code on the access tab.")))),
    "register": Topic(
        N_("Buildings, units, households and vehicles"),
        N_("The community's buildings and units, the households in them and their cars."),
        (N_("Add buildings first, then units; residents and cars hang on units."),
         N_("A plate is checked against the national plate rules when it is saved.")),
        ((N_("A building cannot be deleted"), N_("Delete or move its units first; the message says how many are left.")),
         (N_("A plate is refused"), N_("Type it as on the plate, e.g. 京A12345 or 沪AD12345 (new-energy).")))),
    "gate": Topic(
        N_("Gate"), N_("The gate's state now, opening it from afar, and the fire-alarm reset."),
        (N_("To open for someone at the gate, write why (e.g. 快递) and tap 远程开门; it is logged."),
         N_("After a fire alarm the gate stays open until you reset it here.")),
        ((N_("The fire alarm cannot be reset"), N_("The fire panel still signals fire: have it checked, then reset.")),
         (N_("The gate does not open"), N_("Look at the 门禁 line on the overview; check the relay wiring and power.")))),
    "access_log": Topic(
        N_("Access log"), N_("Every time someone opened the gate or was refused, with how and when."),
        (N_("Use 今天 / 本周 or pick dates; export to Excel for the property company."),),
        ((N_("An entry is missing"), N_("Records are written in batches; wait a minute and reload.")),)),
    "passes": Topic(
        N_("Visitor passes"), N_("QR codes for guests: valid for a time and a number of entries."),
        (N_("Make a pass, then print it or show the code on the phone; the guest holds it to the kiosk camera."),),
        ((N_("The kiosk refuses a pass"), N_("Check its times and how often it was used; make a new one if needed.")),)),
    "firelane": Topic(
        N_("Fire lane"), N_("Cars blocking the fire lane: the camera sees them, Linli phones the owner, then you."),
        (N_("Draw each fire lane once on the camera picture (消防通道 → 区域)."),
         N_("An open incident shows a photo and the plate; mark it handled when the car has gone.")),
        ((N_("No owner was phoned"), N_("The plate was not read surely enough, or the car is not registered: the "
                                       "incident shows candidate plates; call or go and look.")),
         (N_("The camera line is red"), N_("Check the camera's network cable and power; Linli reconnects by itself.")))),
    "workorders": Topic(
        N_("Work orders"), N_("Everything someone must act on: repairs reported by residents, alarms, care visits."),
        (N_("Overdue orders are red and come first; assign, add a note, change the status."),),
        ((N_("The same problem is reported twice"), N_("Open one and merge it into the other.")),)),
    "parking": Topic(
        N_("Car gate"), N_("The car barrier: registered cars drive in; you decide the rest with one tap."),
        (N_("A waiting car shows its plate and why: tap 放行 (write why) or 拒绝."),
         N_("Make car passes for guests and moving vans; correct the count of cars inside now and then.")),
        ((N_("A resident's car is asked about"), N_("The plate was read unsurely or the owner has moved out: check "
                                                     "the car and tap 放行.")),
         (N_("The barrier does not lower"), N_("It never lowers on a car or without a loop detector: the barrier's "
                                                "own controller closes it.")))),
    "sync": Topic(
        N_("Sync with the district"), N_("What the box has sent to the district hub, over 4G or a USB stick."),
        (N_("Pair once with the code the district gives you; after that sync runs by itself."),
         N_("Without network, plug in the district's USB stick: the light shows when it is safe to pull.")),
        ((N_("Sync is behind"), N_("Nothing is lost: everything waits on the box until the network or a stick "
                                  "takes it.")),)),
    "district": Topic(
        N_("District"), N_("The district hub's view of its communities: boxes, events and notices."),
        (N_("Overdue reports and fire-lane escalations come first."),),
        ((N_("A box is silent"), N_("Its network may be down; ask the community for a USB stick round trip.")),)),
    "accounts": Topic(
        N_("Accounts"), N_("Who may sign in, and as what: administrator, volunteer, district staff or the kiosk."),
        (N_("Give each person their own account; reset a forgotten password here (they choose a new one)."),),
        ((N_("Someone is locked out"), N_("Five wrong passwords lock that account at that device for a few minutes; "
                                         "wait, or reset the password.")),)),
    "audit": Topic(
        N_("Audit log"), N_("Who changed what and when, in sentences: it cannot be edited."),
        (N_("Filter by person, by kind of change or by date."),), ()),
    "face": Topic(
        N_("Face entry"), N_("Residents who chose to open the gate with their face, and their consent records."),
        (N_("Face entry is optional: PIN, card and QR always work."),
         N_("A resident can withdraw at the kiosk or with you; their face data is deleted at once.")),
        ((N_("A resident is often refused"), N_("Enrol again in good light; they can always use their PIN.")),)),
    "votes": Topic(
        N_("Owners' votes"), N_("Owners' votes under art. 278 of the Civil Code, suggestions and consultations."),
        (N_("Draft the vote, publish the roll for checking, then start voting; close it when the period ends."),
         N_("Type in a signed paper ballot with its photo; a second person checks it before it counts.")),
        ((N_("A ballot was typed in wrongly"), N_("Reverse it on the ledger page with the reason; the owner can then "
                                                  "vote again. Nothing is ever deleted.")),
         (N_("The rule that non-voters count with the majority is refused"),
          N_("Record the delivery of every unit's ballot on the delivery page.")))),
    "practice": Topic(
        N_("Practice mode"), N_("Your own copy of a demo community to try everything without fear."),
        (N_("Nothing there opens the gate or sends messages; leaving throws it away."),), ()),
    "password": Topic(
        N_("My password"), N_("Change your own password."),
        (N_("At least 10 characters; a short sentence you remember is best."),), ()),
}

ENDPOINT_TOPICS = {
    "admin.dashboard": "dashboard", "admin.residents": "residents", "admin.resident_form": "residents",
    "admin.import_page": "residents", "admin.buildings": "register", "admin.units": "register",
    "admin.households": "register", "admin.vehicles": "register", "access.gate": "gate",
    "access.access_log": "access_log", "access.passes": "passes", "access.pass_detail": "passes",
    "firelane.home": "firelane", "firelane.zones": "firelane", "firelane.settings": "firelane",
    "firelane.incident": "firelane", "workorders.queue": "workorders", "workorders.order": "workorders",
    "workorders.stats": "workorders", "parking.home": "parking", "sync.state": "sync",
    "district.boxes": "district", "district.events": "district", "district.notices": "district",
    "admin.users": "accounts", "admin.audit": "audit", "admin.face_overview": "face",
    "practice.start_page": "practice", "auth.password": "password",
}
PREFIX_TOPICS = {"admin.resident": "residents", "access.": "gate", "firelane.": "firelane",
                 "workorders.": "workorders", "parking.": "parking", "votes.": "votes", "district.": "district",
                 "sync.": "sync"}


def topic_for(endpoint: str | None) -> str:
    endpoint = endpoint or ""
    if endpoint in ENDPOINT_TOPICS:
        return ENDPOINT_TOPICS[endpoint]
    for prefix, topic in PREFIX_TOPICS.items():
        if endpoint.startswith(prefix):
            return topic
    return "dashboard"


@bp.app_context_processor
def _help_link():
    if load_user() is None or (request.endpoint or "").startswith("kiosk."):
        return {"help_url": None}
    return {"help_url": url_for("help.topic", name=topic_for(request.endpoint))}


@bp.get("/")
@roles(*READERS)
def index():
    return render_template("help/index.html", topics=TOPICS)


@bp.get("/<name>")
@roles(*READERS)
def topic(name: str):
    if name not in TOPICS:
        abort(404)
    return render_template("help/topic.html", name=name, topic=TOPICS[name], topics=TOPICS)
