"""Which SQLite file the models talk to: the box's own, or a practice sandbox's.

peewee binds a model to one database for the whole process. Practice mode (培训模式) needs
a second, throw-away database in the same process, used only by the requests of the staff
member practising, while the gate, the cameras and everyone else keep using the real one.
So the models are bound once to this router, a :class:`peewee.DatabaseProxy` whose target
is the real database unless the current context (a thread, or a request within it) has
said otherwise with :func:`using`. Context variables do not leak between threads, so a
background thread always sees the real database.
"""

from __future__ import annotations

import contextlib
import contextvars

from peewee import DatabaseProxy


class DatabaseRouter(DatabaseProxy):
    __slots__ = ("_default", "_override")

    def __init__(self):
        object.__setattr__(self, "_override", contextvars.ContextVar("linli_database", default=None))
        object.__setattr__(self, "_default", None)
        super().__init__()

    @property
    def obj(self):
        return self._override.get() or self._default

    def __setattr__(self, attr, value):
        # Proxy.initialize() sets ``obj``: that is the process-wide default.
        object.__setattr__(self, "_default" if attr == "obj" else attr, value)

    def enter(self, db) -> contextvars.Token:
        return self._override.set(db)

    def leave(self, token: contextvars.Token) -> None:
        self._override.reset(token)

    @contextlib.contextmanager
    def using(self, db):
        token = self.enter(db)
        try:
            yield db
        finally:
            self.leave(token)
