"""Device access for the appliance: cameras, 4G modem, USB sticks, gate and lamps.

Nothing in this package imports from the rest of the project; every device has a
simulated backend so the appliance and its tests run without the hardware.
"""
