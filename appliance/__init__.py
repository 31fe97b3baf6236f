"""Linli core: configuration, database, domain services, sync, tasks, CLI and runtime."""

__version__ = "0.1.0"
