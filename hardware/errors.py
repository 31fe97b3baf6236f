"""The one base error of the hardware layer; callers convert it at their boundary."""


class HardwareError(Exception):
    """A device could not be set up or did not do what it was asked."""
