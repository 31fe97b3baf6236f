"""Base error for everything under models/; third-party errors are converted to these."""


class ModelError(Exception):
    """A model could not be loaded or run."""


class ModelFileError(ModelError):
    """A model file is missing or does not match its manifest entry."""


class ModelLoadError(ModelFileError):
    """A model could not be loaded: missing or corrupt file, checksum mismatch, no runtime."""


class InferenceError(ModelError):
    """The runtime failed while running a model."""


class NoFaceFound(ModelError):
    """No usable face was found in an image."""
