"""Helpers shared by CLI commands: opening the runtime, progress bars, output."""

from __future__ import annotations

import contextlib
import sys

from appliance.config import load_config
from appliance.i18n import gettext as _


@contextlib.contextmanager
def open_runtime(hardware: bool = False, immediate_tasks: bool = True):
    from appliance.runtime import build_runtime

    config = load_config()
    runtime = build_runtime(config, immediate_tasks=immediate_tasks, hardware=hardware)
    try:
        yield runtime
    finally:
        runtime.close()


class Progress:
    """A tqdm bar on a terminal; silent when output goes to a file or CI log."""

    def __init__(self, desc: str, unit: str | None = None):
        self.desc = desc
        self.unit = unit
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        from tqdm import tqdm

        if self.bar is None:
            unit = self.unit or _("rows")
            self.bar = tqdm(total=total, desc=self.desc, unit=unit, unit_scale=unit == "B", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()
