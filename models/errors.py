"""Errors raised by the inference layer; third-party errors are converted to these."""


class ModelError(Exception):
    """Base error of models/."""


class ModelLoadError(ModelError):
    """A model file is missing, corrupt, or does not match its manifest entry."""


class InferenceError(ModelError):
    """The runtime failed while running a model."""


class NoFaceFound(ModelError):
    """No usable face was found in an image."""
