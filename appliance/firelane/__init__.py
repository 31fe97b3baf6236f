"""Fire-lane watch: vehicles dwelling in fire-lane zones become incidents that reach the owner.

Wiring (done in appliance/runtime.py once cameras and the modem are on main): per camera, a
thread runs ``FireLaneWatch(name, services.extra["firelane"], VehicleDetector(
load_interpreter(model_path("vehicles.nanodet_int8"))), PlateReader()).run(camera, stop,
MotionGate())``; the service's notifier becomes an adapter whose ``send_sms(number, text)``
calls the modem and raises ``NotifyError`` on a modem error. Until then the runtime gives the
service a ``SimulatedNotifier`` and starts no watch thread.
"""
