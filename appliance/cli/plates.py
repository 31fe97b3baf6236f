"""``linli plate check``; ``plate read`` and ``detect`` arrive with the vision models."""

from __future__ import annotations

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
    "ordinary": "普通车牌", "new_energy_small": "小型新能源车牌", "new_energy_large": "大型新能源车牌",
    "police": "警车车牌", "coach": "教练车车牌", "trailer": "挂车车牌", "hong_kong": "粤港车牌",
    "macau": "粤澳车牌", "embassy": "使馆车牌", "consulate": "领馆车牌",
}


def cmd_check(args) -> int:
    plate = normalize_plate(args.plate)
    result = validate_plate(plate)
    if not result.valid:
        print(f"{plate}\t{_(result.reason)}")
        return 1
    label = KIND_LABELS.get(result.kind, result.kind) if not args_en() else result.kind
    suffix = "\t" + _("manual review") if result.manual_review else ""
    print(f"{plate}\t{label}{suffix}")
    return 0


def args_en() -> bool:
    from appliance.i18n import current_locale

    return current_locale() == "en"
