"""``linli plate read IMAGE...`` and ``linli detect IMAGE...`` with the box's own models."""

from __future__ import annotations

import sys

from appliance.i18n import gettext as _


def register(sub) -> None:
    d = sub.add_parser("detect", help=_("find vehicles in images (one line per vehicle)"))
    d.add_argument("images", nargs="+", metavar="IMAGE")
    d.add_argument("--threads", type=int, default=1)
    d.set_defaults(func=cmd_detect)


def register_plate_read(psub) -> None:
    r = psub.add_parser("read", help=_("read the plate in each image (one line per image)"))
    r.add_argument("images", nargs="+", metavar="IMAGE")
    r.set_defaults(func=cmd_plate_read)


def _load(path: str):
    import os

    import cv2

    image = cv2.imread(path, cv2.IMREAD_COLOR) if os.path.isfile(path) else None
    if image is None:
        print(_("%(path)s: not an image that can be read", path=path), file=sys.stderr)
    return image


def _models_broken(exc) -> int:
    # A missing or damaged model file (a failed update, a worn SD card): say so in words.
    print(_("The recognition models could not be used (%(error)s). Run `linli selfcheck`; if the models "
            "line is red, reinstall Linli.", error=exc), file=sys.stderr)
    return 3


def cmd_plate_read(args) -> int:
    from models.errors import ModelError
    from models.plates.read import PlateReader, read_plates

    try:
        reader = PlateReader()
    except ModelError as exc:
        return _models_broken(exc)
    status = 0
    for path in args.images:
        image = _load(path)
        if image is None:
            status = 2
            continue
        try:
            reads = read_plates(image, reader)
        except ModelError as exc:
            print(_("%(path)s: could not be read (%(error)s)", path=path, error=exc), file=sys.stderr)
            status = 2
            continue
        if reads:
            text, conf, _box = reads[0]
            print(f"{path}\t{text}\t{conf:.2f}")
        else:
            print(f"{path}\t-\t0.00")
    return status


def cmd_detect(args) -> int:
    from models.errors import ModelError
    from models.manifest import model_path
    from models.vehicles.detect import VehicleDetector, detect, load_interpreter

    try:
        detector = VehicleDetector(load_interpreter(model_path("vehicles.nanodet_int8"), args.threads))
    except ModelError as exc:
        return _models_broken(exc)
    status = 0
    for path in args.images:
        image = _load(path)
        if image is None:
            status = 2
            continue
        for d in detect(image, detector):
            print(f"{path}\t{d.label}\t{d.score:.2f}\t{','.join(str(v) for v in d.box)}")
    return status
