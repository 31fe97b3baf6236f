"""Small template filters shared by every feature's pages."""

from __future__ import annotations


def plate_class(plate) -> str:
    """CSS classes for a plate: 8-character new-energy plates are green, like the real ones."""
    text = str(plate or "")
    return "plate plate-green" if len(text) == 8 else "plate"


def install(app) -> None:
    app.add_template_filter(plate_class, "plate_class")
