"""Small template filters shared by every feature's pages."""

from __future__ import annotations


def plate_class(plate) -> str:
    """CSS classes for a plate: 8-character new-energy plates are green, like the real ones."""
    text = str(plate or "")
    return "plate plate-green" if len(text) == 8 else "plate"


def data_size(nbytes) -> str:
    """Bytes as a person reads them: 0 KB, 12 KB, 3.4 MB."""
    n = int(nbytes or 0)
    if n < 1_000_000:
        return "%d KB" % ((n + 999) // 1000)
    return "%.1f MB" % (n / 1_000_000)


def install(app) -> None:
    app.add_template_filter(plate_class, "plate_class")
    app.add_template_filter(data_size, "data_size")
