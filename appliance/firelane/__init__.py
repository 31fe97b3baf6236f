"""Fire-lane watch: vehicles dwelling in fire-lane zones become incidents that reach the owner.

Wiring (appliance/firelane/setup.py): ``setup(ctx)`` builds the notifier over the 4G modem
(``firelane.modem``: the serial port on a Raspberry Pi, a simulated dongle on a pty elsewhere,
a SimulatedNotifier without hardware) and the :class:`~appliance.firelane.lane.FireLane`; on
start, unless in safe mode, one ``cameras.CameraWatch`` per ``[[firelane.cameras]]`` table and
the notice thread (ladder, queued notices, delivery reports). Health lines: "modem",
"cameras" or "camera NAME".
"""
