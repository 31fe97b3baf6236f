"""``linli plate check``; ``plate read`` and ``detect`` arrive with the vision models."""

from __future__ import annotations

from appliance.i18n import N_
from appliance.i18n import gettext as _
from models.plates.validate import normalize_plate, validate_plate


def register(sub) -> None:
    p = sub.add_parser("plate", help=_("licence plates"))
    psub = p.add_subparsers(dest="plate_command", metavar="ACTION")
    psub.required = True
    c = psub.add_parser("check", help=_("check a plate against GA 36-2018 (exit 0 valid, 1 invalid)"))
    c.add_argument("plate")
    c.set_defaults(func=cmd_check)
    from appliance.cli.vision import register_plate_read

    register_plate_read(psub)


KIND_LABELS = {
    "ordinary": N_("ordinary plate"), "new_energy_small": N_("small new-energy plate"),
    "new_energy_large": N_("large new-energy plate"), "police": N_("police plate"), "coach": N_("driving-school plate"),
    "trailer": N_("trailer plate"), "hong_kong": N_("Guangdong-Hong Kong plate"), "macau": N_("Guangdong-Macau plate"),
    "embassy": N_("embassy plate"), "consulate": N_("consulate plate"),
}


def cmd_check(args) -> int:
    plate = normalize_plate(args.plate)
    result = validate_plate(plate)
    if not result.valid:
        print(f"{plate}\t{_(result.reason)}")
        return 1
    label = _(KIND_LABELS[result.kind]) if result.kind in KIND_LABELS else result.kind
    suffix = "\t" + _("manual review") if result.manual_review else ""
    print(f"{plate}\t{label}{suffix}")
    return 0
