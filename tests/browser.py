"""Helpers for tests that drive Chromium."""

from __future__ import annotations


def htmx_ready(page) -> None:
    """Wait until htmx (loaded with `defer`) has wired the page.

    A test types faster than a person: a change made before htmx runs sends no request, so a
    test that then waits for the answer waits forever on a loaded machine."""
    page.wait_for_function("() => document.readyState === 'complete' && window.htmx !== undefined")
