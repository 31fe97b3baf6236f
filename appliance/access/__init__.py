"""Gate access without face: PIN, card, personal QR, visitor passes and remote open.

The process that runs :mod:`appliance.runtime` owns the gate; the web and the CLI ask
:class:`appliance.access.service.AccessService`, never GPIO.
"""
