"""Fire-lane watch: vehicles dwelling in fire-lane zones become incidents that reach the owner.

Wiring (appliance/runtime.py): ``build_runtime`` gives the FireLaneService a notifier over the
4G modem (``firelane.modem``: the serial port on a Raspberry Pi, a simulated dongle on a pty
elsewhere, a SimulatedNotifier when built without hardware). ``Runtime.start_background()``
starts, unless in safe mode, one ``cameras.CameraWatch`` thread per ``[[firelane.cameras]]``
table (camera from hardware.camera, MotionGate, FireLaneWatch over one shared detector and
plate reader) and a notice thread that climbs the ladder and sends queued notices; each has
a closer in ``runtime.closers`` and a health check ("camera NAME", "modem").
"""
