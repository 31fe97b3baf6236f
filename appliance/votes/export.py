"""What leaves the box so that anyone can re-check a vote: the ledger as JSON lines (first line
a header with the vote, its matters and the box's signature over the chain head), the roll in
the calculator's format (owner keys, never names), the counted ballots, and the street office's
Excel sheet. ``linli votes verify`` and ``linli votes tally`` re-run all of it offline.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from appliance.errors import ValidationError
from appliance.votes import chain
from appliance.votes.election import count_all, spec_of
from appliance.votes.tally import SPECIAL_ITEMS

CHOICE_TEXT = {"yes": "赞成", "no": "反对", "abstain": "弃权", "invalid": "无效"}
AREA_SOURCE_TEXT = {"register": "不动产登记面积", "surveyed": "测绘面积", "contract": "合同面积", "corrected": "更正面积"}


def candidate_name(matter: str, candidate: str) -> str:
    return f"{matter}｜{candidate}"


def _matter_header(m) -> dict:
    out = {"position": m.position, "title": m.title, "item": m.item}
    if m.is_election:
        out.update(kind="election", seats=m.seats, candidates=list(m.candidates))
    return out


def matter_name(position, title: str) -> str:
    return f"{position}. {title}"


def head_message(vote_uuid: str, head) -> bytes:
    seq, digest = head if head else (0, chain.genesis(vote_uuid))
    return f"linli-vote-head:{vote_uuid}:{seq}:{digest}".encode()


class Exporter:
    def __init__(self, service, roll, ledger, keys, box_id: str):
        self.service, self.roll, self.ledger, self.keys, self.box_id = service, roll, ledger, keys, box_id

    def ledger_text(self, vote_id) -> str:
        vote = self.service.get(vote_id)
        head = self.ledger.head(vote.id)
        public = self.keys.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        header = {"vote": str(vote.uuid), "title": vote.title, "box": self.box_id, "rule": vote.rule,
                  "matters": [_matter_header(m) for m in self.service.matters(vote.id)],
                  "head": list(head) if head else None, "public_key": public,
                  "signature": self.keys.sign(head_message(str(vote.uuid), head)).hex()}
        return json.dumps(header, ensure_ascii=False, sort_keys=True) + "\n" + self.ledger.export_lines(vote)

    def roll_csv(self, vote_id) -> str:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["unit", "owner", "area", "building", "area_source"])
        for r in self.roll.rows(vote_id):
            w.writerow([f"{r.building} {r.number}", r.owner_key, f"{r.area // 100}.{r.area % 100:02d}", r.building,
                        r.area_source])
        return out.getvalue()

    def ballots_csv(self, vote_id) -> str:
        matter_rows = self.service.matters(vote_id)
        matters = {str(m.position): matter_name(m.position, m.title) for m in matter_rows}
        candidates = {str(m.position): m.candidates for m in matter_rows if m.is_election}
        units = {}
        for r in self.roll.rows(vote_id):
            units.setdefault(r.owner_key, f"{r.building} {r.number}")
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["unit", "matter", "choice"])
        for owner, e in chain.effective(self.ledger.entries(vote_id)).items():
            for pos, choice in sorted(e["choices"].items(), key=lambda kv: int(kv[0])):
                if pos in candidates:
                    # One row per candidate, so `linli votes tally` re-checks each candidate's double
                    # threshold; seats and ranks are re-run by `linli votes verify --roll`.
                    for n, name in enumerate(candidates[pos], start=1):
                        text = "无效" if choice == "invalid" else ("赞成" if n in choice else "弃权")
                        w.writerow([units[owner], candidate_name(matters[pos], name), text])
                else:
                    w.writerow([units[owner], matters[pos], CHOICE_TEXT[choice]])
        return out.getvalue()

    def special_matters(self, vote_id) -> list[str]:
        return [matter_name(m.position, m.title) for m in self.service.matters(vote_id) if m.item in SPECIAL_ITEMS]

    def xlsx(self, vote_id) -> bytes:
        """The street office's sheet: results (strict and by the rule), participants (unit, area)."""
        from openpyxl import Workbook

        vote = self.service.get(vote_id)
        res = self.service.results(vote)
        wb = Workbook()
        ws = wb.active
        ws.title = "表决结果"
        ws.append(["事项", "第278条事项", "计票方式", "结果", "参与面积", "参与人数", "同意面积", "同意人数"])
        for i, m in enumerate(res["matters"]):
            for label, results in (("严格计票", res["strict"]), ("议事规则计票", res["rule"])):
                if results and m.is_election and label == "严格计票":  # elections are only counted strictly
                    r = results[i]
                    ws.append([f"{m.title}（{r.seats}席）", m.item, label, r.result, str(r.participation_area),
                               str(r.participation_owners), "", ""])
                    for c in r.candidates:
                        ws.append([candidate_name(m.title, c.name), m.item, label, c.status,
                                   str(r.participation_area), str(r.participation_owners), str(c.approval_area),
                                   str(c.approval_owners)])
                elif results and not m.is_election:
                    r = results[i]
                    ws.append([m.title, m.item, label, r.result, str(r.participation_area),
                               str(r.participation_owners), str(r.approval_area), str(r.approval_owners)])
        fallback = res["fallback"]
        ws.append([])
        ws.append(["面积来源", f"测绘面积 {fallback['surveyed']} 户", f"合同面积 {fallback['contract']} 户"])
        parts = wb.create_sheet("参与房屋")
        parts.append(["房屋", "面积(㎡)", "面积来源"])
        voted = set(chain.effective(self.ledger.entries(vote.id)))
        for r in self.roll.rows(vote.id):
            if r.owner_key in voted:
                parts.append([f"{r.building} {r.number}", r.area / 100, AREA_SOURCE_TEXT.get(r.area_source, "")])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    def write(self, vote_id, folder: Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = {"ledger.jsonl": self.ledger_text(vote_id), "roll.csv": self.roll_csv(vote_id),
                 "ballots.csv": self.ballots_csv(vote_id)}
        paths = []
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
            paths.append(folder / name)
        (folder / "results.xlsx").write_bytes(self.xlsx(vote_id))
        paths.append(folder / "results.xlsx")
        return paths


def verify_export(ledger_path: Path, roll_path: Path | None = None) -> tuple[list[str], list[str]]:
    """(problems, summary lines) for an exported ledger, re-counted against a roll when given."""
    try:
        lines = Path(ledger_path).read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        entries = [json.loads(line) for line in lines[1:] if line.strip()]
        vote_uuid = header["vote"]
    except (OSError, UnicodeDecodeError, ValueError, IndexError, KeyError, TypeError):
        raise ValidationError("This is not an exported ballot ledger.", field="ledger") from None
    problems = chain.verify(vote_uuid, entries)
    head = (entries[-1]["seq"], entries[-1]["hash"]) if entries else None
    if list(head or []) != list(header.get("head") or []):
        problems.append("the header's chain head is not the last entry")
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(header["public_key"]))
        key.verify(bytes.fromhex(header["signature"]), head_message(vote_uuid, head))
    except (KeyError, ValueError, TypeError, InvalidSignature):
        problems.append("the box's signature over the chain head does not verify")
    summary = [f"vote {vote_uuid}: {len(entries)} entries, head "
               + (f"{head[0]} {head[1]}" if head else "(empty)")]
    if roll_path is not None and not problems:
        from appliance.votes.files import read_roll

        roll, bad = read_roll(roll_path)
        problems += [str(b) for b in bad]
        owners = {e.owner for e in roll}
        counted = chain.effective(entries)
        problems += [f"entry {e['seq']}: owner {o} is not on the roll" for o, e in counted.items() if o not in owners]
        if not problems:
            by_matter: dict[str, dict[str, str]] = {}
            for owner, e in counted.items():
                for pos, choice in e["choices"].items():
                    by_matter.setdefault(pos, {})[owner] = choice
            matters = header.get("matters", [])
            for m, r in zip(matters, count_all(roll, by_matter, [spec_of(m) for m in matters])):
                if getattr(r, "kind", "") == "election":
                    summary.append(f"{matter_name(m['position'], m['title'])}: {r.result}, {r.seats} seats, "
                                   f"participation {r.participation_area} (area) {r.participation_owners} (owners), "
                                   f"{r.invalid} invalid")
                    summary += [f"  {c.number}. {c.name}: {c.status} approval {c.approval_area} (area) "
                                f"{c.approval_owners} (owners)" for c in r.candidates]
                    continue
                summary.append(f"{matter_name(m['position'], m['title'])}: {r.result} "
                               f"participation {r.participation_area} (area) {r.participation_owners} (owners), "
                               f"approval {r.approval_area} (area) {r.approval_owners} (owners)")
    return problems, summary
