"""The dependency direction of DESIGN.md, enforced: web -> appliance -> {hardware, models};
hardware and models import nothing from the project, and appliance never imports web."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> the project packages it must never import (also not lazily, inside a function)
FORBIDDEN = {
    "hardware": {"appliance", "web", "models", "tests", "bench"},
    "models": {"appliance", "web", "hardware", "tests", "bench"},
    "appliance": {"web", "tests", "bench"},
}


def imports_of(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.append(str(node.args[0].value))
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_is_below_it(package):
    offenders = [f"{path.relative_to(ROOT)}: {name}"
                 for path in (ROOT / package).rglob("*.py")
                 for name in imports_of(path) if name.split(".")[0] in FORBIDDEN[package]]
    assert offenders == []


def test_the_layering_check_sees_lazy_and_dynamic_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from web import create_app\n    importlib.import_module('web.serve')\n")
    assert imports_of(sample) == ["web", "web.serve"]


def test_every_hardware_error_is_a_hardware_error():
    from hardware.camera import CameraError
    from hardware.errors import HardwareError
    from hardware.modem import CmeError, CmsError, ModemPortError, ModemTimeout, PduError
    from hardware.usbwatch import UsbWatchError

    for cls in (CameraError, CmeError, CmsError, ModemPortError, ModemTimeout, PduError, UsbWatchError):
        assert issubclass(cls, HardwareError)
