"""hardware/ must stay importable without the rest of the project (it runs in tools and on the hub)."""

import ast
from pathlib import Path

import hardware

PROJECT_PACKAGES = {"appliance", "web", "models", "tests", "bench"}


def test_hardware_imports_nothing_from_the_project():
    offenders = []
    for path in Path(hardware.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in PROJECT_PACKAGES]
    assert offenders == []


def test_every_hardware_error_is_a_hardware_error():
    from hardware.camera import CameraError
    from hardware.errors import HardwareError
    from hardware.modem import CmeError, CmsError, ModemPortError, ModemTimeout, PduError
    from hardware.usbwatch import UsbWatchError

    for cls in (CameraError, CmeError, CmsError, ModemPortError, ModemTimeout, PduError, UsbWatchError):
        assert issubclass(cls, HardwareError)
