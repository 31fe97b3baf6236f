"""``linli residents import|export``."""

from __future__ import annotations

import sys
from pathlib import Path

from appliance.cli.common import Progress, open_runtime
from appliance.i18n import gettext as _


def register(sub) -> None:
    p = sub.add_parser("residents", help=_("import or export the residents register (xlsx or csv)"))
    rsub = p.add_subparsers(dest="residents_command", metavar="ACTION")
    rsub.required = True
    i = rsub.add_parser("import", help=_("import a file; nothing is written unless every row is valid"))
    i.add_argument("file", type=Path)
    i.add_argument("--dry-run", action="store_true", help=_("only check the file"))
    i.set_defaults(func=cmd_import)
    e = rsub.add_parser("export", help=_("export to the import template"))
    e.add_argument("file", type=Path)
    e.add_argument("--template", action="store_true", help=_("write an empty template"))
    e.set_defaults(func=cmd_export)


def cmd_import(args) -> int:
    if not args.file.exists():
        print(_("No such file: %(path)s", path=args.file), file=sys.stderr)
        return 2
    progress = Progress(_("Importing"))
    with open_runtime() as runtime:
        report = runtime.services.residents_io.import_file(args.file, "cli", dry_run=args.dry_run, progress=progress)
    progress.close()
    if report.errors:
        print(_("%(n)s problem(s) found; nothing was imported:", n=len(report.errors)), file=sys.stderr)
        for error in report.errors:
            print("  " + str(error), file=sys.stderr)
        return 1
    if report.dry_run:
        print_changes(report)
        print(_("Check passed: %(rows)s rows, %(created)s new, %(updated)s changed, %(unchanged)s unchanged, "
                "%(new_units)s new units, %(area_changes)s floor areas changed, %(vehicles)s new vehicles. "
                "Nothing was written (dry run).", **report.as_dict()))
    else:
        print(_("Imported %(rows)s rows: %(created)s new, %(updated)s updated, %(vehicles)s vehicles.",
                **report.as_dict()))
    return 0


def print_changes(report) -> None:
    """Every change to what the register already holds, so a dry run shows what the file would do."""
    empty = _("(empty)")
    for c in report.area_changes:
        print(_("Floor area of %(place)s: %(old)s → %(new)s m² (row %(row)s)", place=c.place, old=c.old or empty,
                new=c.new, row=c.row))
    for u in report.new_unit_list:
        print(_("New unit %(place)s, %(area)s m² (row %(row)s)", place=u.place, area=u.area or empty, row=u.row))
    for c in report.resident_changes:
        print(_("%(name)s, %(place)s (row %(row)s):", name=c.name, place=c.place, row=c.row))
        for f in c.fields:
            print(f"    {f.column}: {f.old or empty} → {f.new or empty}")


def cmd_export(args) -> int:
    with open_runtime() as runtime:
        n = runtime.services.residents_io.export_file(args.file, template_only=args.template)
    print(_("Wrote %(n)s residents to %(path)s.", n=n, path=args.file))
    return 0
