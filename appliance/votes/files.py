"""Roll and ballot files for the offline calculator (``linli votes tally ROLL BALLOTS``).

ROLL: unit, owner, area (m², at most 2 decimals); the same owner on several units is one
owner, owner ``开发商`` marks the developer's unsold units. BALLOTS: unit, matter, choice
(赞成/反对/弃权; 无效 for an invalid ballot). Every bad row is reported, like the residents
import: nothing is counted from a file with a problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from appliance.errors import ValidationError
from appliance.i18n import gettext as _
from appliance.registry.sheetfile import MAX_FILE_BYTES, _read_csv, _read_xlsx
from appliance.votes.tally import ABSTAIN, INVALID, NO, YES, RollEntry

ROLL_COLUMNS = {"unit": ("unit", "房号", "单元", "房屋"), "owner": ("owner", "业主", "业主姓名"),
                "area": ("area", "面积", "面积(㎡)", "面积(m2)", "专有面积", "建筑面积"),
                "building": ("building", "楼栋")}
BALLOT_COLUMNS = {"unit": ("unit", "房号", "单元", "房屋"), "matter": ("matter", "事项", "表决事项"),
                  "choice": ("choice", "意见", "表决意见")}
CHOICE_WORDS = {"赞成": YES, "同意": YES, "yes": YES, "反对": NO, "不同意": NO, "no": NO, "弃权": ABSTAIN,
                "abstain": ABSTAIN, "无效": INVALID, "废票": INVALID, "invalid": INVALID}


@dataclass(frozen=True)
class BadRow:
    file: str
    row: int
    message: str

    def __str__(self) -> str:
        if self.row:
            return _("%(file)s, row %(row)s: %(message)s", file=self.file, row=self.row, message=self.message)
        return f"{self.file}: {self.message}"


def _table(path: Path, columns: dict, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    path = Path(path)
    if not path.is_file():
        raise ValidationError("No such file: %(path)s", field="file", path=str(path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError("The file is too large (at most %(mb)s MB).", field="file", mb=MAX_FILE_BYTES >> 20)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw = _read_xlsx(path)
    elif suffix == ".csv":
        raw = _read_csv(path.read_bytes())
    else:
        raise ValidationError("Use an .xlsx or .csv file.", field="file")
    if not raw:
        raise ValidationError("The file is empty.", field="file")
    header = [str(h or "").strip().lower() for h in raw[0]]
    index = {}
    for key, names in columns.items():
        for i, h in enumerate(header):
            if h in {n.lower() for n in names}:
                index[key] = i
                break
    missing = [k for k in required if k not in index]
    if missing:
        raise ValidationError("Missing columns: %(columns)s.", field="file", columns=", ".join(missing))
    rows = []
    for n, values in enumerate(raw[1:], start=2):
        record = {k: (str(values[i]).strip() if i < len(values) and values[i] is not None else "")
                  for k, i in index.items()}
        if any(record.values()):
            rows.append((n, record))
    return rows


def _area(text: str) -> int | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value >= 100000 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def read_roll(path: Path) -> tuple[list[RollEntry], list[BadRow]]:
    name = Path(path).name
    entries, bad, seen = [], [], {}
    for row, r in _table(path, ROLL_COLUMNS, ("unit", "owner", "area")):
        problems = []
        if not r["unit"]:
            problems.append(_("unit is missing"))
        elif r["unit"] in seen:
            problems.append(_("unit %(unit)s is already on row %(row)s", unit=r["unit"], row=seen[r["unit"]]))
        else:
            seen[r["unit"]] = row
        if not r["owner"]:
            problems.append(_("owner is missing"))
        area = _area(r["area"]) if r["area"] else None
        if not r["area"]:
            problems.append(_("area is missing"))
        elif area is None:
            problems.append(_("area %(value)s is not a positive number of m² with at most 2 decimals",
                              value=repr(r["area"][:20])))
        if problems:
            bad.append(BadRow(name, row, "; ".join(problems)))
            continue
        entries.append(RollEntry(r["unit"], r["owner"], area, r.get("building", "")))
    if not entries and not bad:
        bad.append(BadRow(name, 0, _("no units")))
    return entries, bad


def read_ballots(path: Path, roll: list[RollEntry]) -> tuple[dict[str, dict[str, str]], list[str], list[BadRow]]:
    """(matter -> {owner: choice}, matters in order of first appearance, bad rows)."""
    name = Path(path).name
    owner_of = {e.unit: e.owner for e in roll}
    ballots: dict[str, dict[str, str]] = {}
    first_row: dict[tuple, int] = {}
    owner_row: dict[tuple, tuple[int, str]] = {}
    matters: list[str] = []
    bad = []
    for row, r in _table(path, BALLOT_COLUMNS, ("unit", "matter", "choice")):
        problems = []
        unit, matter = r["unit"], r["matter"]
        choice = CHOICE_WORDS.get(r["choice"].lower()) if r["choice"] else None
        if not unit:
            problems.append(_("unit is missing"))
        elif unit not in owner_of:
            problems.append(_("unit %(unit)s is not on the roll", unit=unit))
        if not matter:
            problems.append(_("matter is missing"))
        if choice is None:
            problems.append(_("choice %(value)s is not 赞成, 反对, 弃权 or 无效", value=repr(r["choice"][:20])))
        if not problems and (unit, matter) in first_row:
            problems.append(_("duplicate ballot: unit %(unit)s voted on %(matter)s on row %(row)s", unit=unit,
                              matter=matter, row=first_row[(unit, matter)]))
        if not problems:
            owner = owner_of[unit]
            earlier = owner_row.get((owner, matter))
            if earlier and earlier[1] != choice:
                problems.append(_("conflicts with row %(row)s: owner %(owner)s chose differently on %(matter)s",
                                  row=earlier[0], owner=owner, matter=matter))
        if problems:
            bad.append(BadRow(name, row, "; ".join(problems)))
            continue
        first_row[(unit, matter)] = row
        owner_row.setdefault((owner, matter), (row, choice))
        if matter not in ballots:
            matters.append(matter)
        ballots.setdefault(matter, {})[owner] = choice
    return ballots, matters, bad


CANDIDATE_SEP = "｜"  # "matter｜candidate" in a ballots file: one row per candidate, as the box exports it


def parse_seats(text: str) -> tuple[str, int]:
    """``MATTER=N`` from the command line."""
    matter, _sep, seats = (text or "").rpartition("=")
    if not matter or not seats.isdigit() or int(seats) < 1:
        raise ValidationError("Write the election as MATTER=SEATS, e.g. \"2. 选举业委会=5\".", field="seats")
    return matter, int(seats)


def gather_election(ballots: dict[str, dict[str, str]], matters: list[str], matter: str, seats: int):
    """Fold the rows "matter｜candidate" (赞成 = approves; anything else = does not; 无效 on any
    candidate = the owner's ballot is invalid on this matter) into one election:
    (candidates in order of first appearance, owner -> sorted candidate numbers or ``invalid``).
    An owner approving more candidates than there are seats is invalid too, as on paper."""
    prefix = matter + CANDIDATE_SEP
    names = [m for m in matters if m.startswith(prefix)]
    if not names:
        raise ValidationError("No rows for the election %(matter)s (expected \"%(matter)s｜candidate\").",
                              field="seats", matter=matter)
    choices: dict[str, object] = {}
    for number, name in enumerate(names, start=1):
        for owner, choice in ballots.get(name, {}).items():
            current = choices.setdefault(owner, [])
            if choice == INVALID or current == INVALID:
                choices[owner] = INVALID
            elif choice == YES:
                current.append(number)
    for owner, marks in choices.items():
        if marks != INVALID and len(marks) > seats:
            choices[owner] = INVALID
    return [n[len(prefix):] for n in names], choices
