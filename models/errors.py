"""Base error for everything under models/; third-party errors are converted to these."""


class ModelError(Exception):
    """A model could not be loaded or run."""


class ModelFileError(ModelError):
    """A model file is missing or does not match its manifest entry."""
