"""``linli face compare IMAGE_A IMAGE_B``: similarity and decision with the box's thresholds."""

from __future__ import annotations

import sys

from appliance.i18n import gettext as _


def register(sub) -> None:
    p = sub.add_parser("face", help=_("face entry tools"))
    fsub = p.add_subparsers(dest="face_command", metavar="ACTION")
    fsub.required = True
    c = fsub.add_parser("compare", help=_("compare the faces in two pictures (exit 2 when no face is found)"))
    c.add_argument("image_a")
    c.add_argument("image_b")
    c.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    from appliance.config import load_config
    from models.errors import ModelError, NoFaceFound
    from models.face import compare
    from models.face.match import Thresholds
    from models.face.pipeline import FacePipeline

    settings = load_config().face
    thresholds = Thresholds(accept=settings.accept, reject=min(settings.reject, settings.accept),
                            margin=settings.margin)
    try:
        similarity, decision = compare(args.image_a, args.image_b, thresholds,
                                       FacePipeline.load(num_threads=settings.threads))
    except NoFaceFound:
        print(_("No face found."), file=sys.stderr)
        return 2
    except ModelError as exc:
        print(_("Error: %(message)s", message=str(exc)), file=sys.stderr)
        return 2
    print(f"{similarity:.4f}\t{decision}")
    return 0
