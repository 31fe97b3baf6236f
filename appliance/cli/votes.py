"""``linli votes tally ROLL BALLOTS`` (the offline art. 278 calculator) and ``linli votes verify``
(re-checks an exported ledger's hash chain and re-counts it against the exported roll)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from appliance.i18n import gettext as _

RESULT_WORDS = {"passed": "通过", "failed": "未通过", "no_quorum": "未达参与门槛"}


def register(sub) -> None:
    p = sub.add_parser("votes", help=_("owners' votes: count a roll and ballots from files, check a ledger"))
    vsub = p.add_subparsers(dest="votes_command", metavar="ACTION")
    vsub.required = True
    t = vsub.add_parser("tally", help=_("the art. 278 count of a roll and ballots (xlsx or csv)"))
    t.add_argument("roll", type=Path)
    t.add_argument("ballots", type=Path)
    t.add_argument("--special", action="append", default=[], metavar="MATTER",
                   help=_("a matter under art. 278 items 6-8 (needs 3/4); repeat for several"))
    t.add_argument("--seats", action="append", default=[], metavar="MATTER=N",
                   help=_("a committee election with N seats; its rows are MATTER｜candidate; repeat for several"))
    t.add_argument("--json", action="store_true", help=_("print JSON"))
    t.set_defaults(func=cmd_tally)
    v = vsub.add_parser("verify", help=_("check an exported ballot ledger (JSON lines) and re-count it"))
    v.add_argument("ledger", type=Path)
    v.add_argument("--roll", type=Path, help=_("the exported roll (csv) to re-count against"))
    v.set_defaults(func=cmd_verify)
    x = vsub.add_parser("export", help=_("write a vote's ledger, roll, ballots and result sheet to a folder"))
    x.add_argument("vote", help=_("the vote's number"))
    x.add_argument("folder", type=Path)
    x.set_defaults(func=cmd_export)


def cmd_tally(args) -> int:
    from appliance.errors import ValidationError
    from appliance.votes.election import count_election
    from appliance.votes.files import CANDIDATE_SEP, gather_election, parse_seats, read_ballots, read_roll
    from appliance.votes.tally import owners_of, tally

    roll, bad = read_roll(args.roll)
    ballots, matters, bad_ballots = read_ballots(args.ballots, roll) if not bad else ({}, [], [])
    bad += bad_ballots
    if bad:
        print(_("%(n)s problem(s) found; nothing was counted:", n=len(bad)), file=sys.stderr)
        for b in bad:
            print("  " + str(b), file=sys.stderr)
        return 1
    matters += [m for m in args.special if m not in matters]
    try:
        elections = [(m, n, *gather_election(ballots, matters, m, n)) for m, n in map(parse_seats, args.seats)]
    except ValidationError as exc:
        print(exc.message(), file=sys.stderr)
        return 1
    folded = {name for m, _n, names, _c in elections for name in (f"{m}{CANDIDATE_SEP}{c}" for c in names)}
    results = tally(roll, ballots, [m for m in matters if m not in folded], args.special)
    owners_area = owners_of(roll)
    results += [count_election(m, owners_area, choices, n, names) for m, n, names, choices in elections]
    if args.json:
        print(json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2))
        return 0
    owners = len({e.owner for e in roll})
    print(_("Roll: %(units)s units, %(owners)s owners, %(area)s m²", units=len(roll), owners=owners,
            area=f"{sum(e.area for e in roll) / 100:.2f}"))
    for r in results:
        if getattr(r, "kind", "") == "election":
            _print_election(r)
            continue
        kind = _("items 6-8: 3/4") if r.special else _("more than 1/2")
        print(f"\n{r.matter}  [{kind}]  → {RESULT_WORDS[r.result]} ({r.result})")
        for label, ratio in ((_("participation by area"), r.participation_area),
                             (_("participation by owners"), r.participation_owners),
                             (_("approval by area"), r.approval_area),
                             (_("approval by owners"), r.approval_owners)):
            print(f"  {label:<28} {str(ratio):>24}  {ratio.percent():>8}")
        print("  " + _("yes %(yes)s, no %(no)s, abstain %(abstain)s, invalid %(invalid)s (owners)", **r.counts))
    return 0


def _print_election(r) -> None:
    print(f"\n{r.matter}  [{_('%(n)s seats', n=r.seats)}]  → {r.result}")
    for label, ratio in ((_("participation by area"), r.participation_area),
                         (_("participation by owners"), r.participation_owners)):
        print(f"  {label:<28} {str(ratio):>24}  {ratio.percent():>8}")
    for c in r.candidates:
        print(f"  {c.number}. {c.name:<12} {c.status:<11} {_('approval by area')} {c.approval_area}  "
              f"{_('approval by owners')} {c.approval_owners}")
    print("  " + _("invalid %(n)s (owners)", n=r.invalid))


def cmd_verify(args) -> int:
    from appliance.votes.export import verify_export

    problems, summary = verify_export(args.ledger, args.roll)
    for line in summary:
        print(line)
    if problems:
        print(_("%(n)s problem(s) found:", n=len(problems)), file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    return 0


def cmd_export(args) -> int:
    from appliance.cli.common import open_runtime

    with open_runtime() as runtime:
        paths = runtime.services.votes.exporter.write(args.vote, args.folder)
    for path in paths:
        print(path)
    return 0
