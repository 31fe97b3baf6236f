"""Share werkzeug's generated URL builders between the apps the tests make.

Every test builds its own Flask app, and werkzeug writes and compiles a small Python function
per URL rule (twice: with and without unknown arguments) for ``url_for``: about 250 rules,
so nearly half of an app's setup time went into ``compile()``. The function depends only on
the rule's text, its parsed parts, its defaults and the flag, and it reaches the rule through
its first argument (werkzeug binds it to the rule), so rules that are alike can share one.
Nothing else about routing changes: matching and converters stay per app.
"""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple:
    defaults = rule.defaults or {}
    # A default for a variable that is in the path is folded into the function as text.
    folded = tuple(sorted((name, rule._converters[name].to_url(value)) for name, value in defaults.items()
                          if name in rule._converters))
    return (rule.rule, tuple(rule._trace), append_unknown, tuple(sorted(defaults)), folded)


def _compile_builder(self: Rule, append_unknown: bool = True):
    try:
        key = _key(self, append_unknown)
        hash(key)
    except (TypeError, ValueError, KeyError):  # an unusual default: build it the usual way
        return _original(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _compile_builder
