"""The [parking] section of config.toml (kept beside the feature; appliance.config includes it)."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.configfield import setting as _setting


@dataclass
class ParkingConfig:
    enabled: bool = _setting(False, "Drive the car barrier (道闸) from this box.")
    raise_pin: int = _setting(5, "GPIO (BCM) of the relay on the barrier controller's open contact.", min=0, max=27)
    lower_pin: int = _setting(-1, "GPIO of the relay on the controller's close contact; -1 = not wired (the "
                                  "controller closes by itself).", min=-1, max=27)
    presence_pin: int = _setting(-1, "GPIO of the ground loop / IR beam output (a car at the barrier); -1 = not "
                                     "wired: the box then never lowers the arm itself.", min=-1, max=27)
    presence_contact: str = _setting("no", "Loop output contact: no = closes while a car is there.",
                                     choices=("no", "nc"))
    fire_pin: int = _setting(-1, "GPIO of the fire-alarm contact for the barrier; -1 = not wired.", min=-1, max=27)
    relay_active_low: bool = _setting(True, "Relay board energises on a low pin (most cheap boards).")
    pulse_s: float = _setting(0.5, "Seconds the open/close contact is held.", min=0.1, max=5.0)
    lower_after_s: float = _setting(2.0, "Seconds after the car has left the loop before the box lowers the arm "
                                         "(0 = leave it to the controller).", min=0.0, max=60.0)
    exit_raise_pin: int = _setting(-1, "GPIO of the exit barrier's open relay; -1 = no exit barrier.", min=-1, max=27)
    exit_presence_pin: int = _setting(-1, "GPIO of the exit barrier's loop (a car leaving); -1 = not wired: then no "
                                          "exit is seen and the count of cars inside only rises.", min=-1, max=27)
    entry_camera: str = _setting("", "Camera that sees cars approaching the entry barrier (rtsp://..., v4l2:0, "
                                     "file:PATH); empty = plates are typed by the volunteer.")
    camera_fps: float = _setting(5.0, "Frames a second read from the entry camera.", min=0.5, max=15.0)
    capacity: int = _setting(0, "Parking spaces in the car park (0 = not counted).", min=0, max=100000)
    question_wait_s: int = _setting(600, "How long a car the volunteer has not answered for stays on the list.",
                                    min=30, max=3600)
    exit_camera: str = _setting("", "Camera that sees cars leaving at the exit barrier (same forms as entry_camera); "
                                    "its plate reads count the cars that leave and clear long-stay flags.")
    grace_minutes: int = _setting(15, "Minutes a delivery van or taxi let in with the 送货/出租 button may stay "
                                      "before it is flagged on the parking page (0 = no such button).",
                                  min=0, max=240)
    grace_auto: bool = _setting(False, "Let unknown plates in at once as delivery/taxi (flagged if they stay longer "
                                       "than grace_minutes) instead of asking the volunteer. Watch-list, unreadable "
                                       "and doubtful plates are always asked.")
    long_stay_hours: int = _setting(24, "Hours after which a visitor or unknown car still inside is flagged on the "
                                        "parking page.", min=1, max=24 * 30)
    motion_gating: bool = _setting(True, "Read plates only on camera frames where something moved (an empty lane "
                                         "costs almost no CPU).")
    motion_check_s: float = _setting(2.0, "With motion gating, still read a still picture this often (seconds), so "
                                          "a car standing at the barrier keeps a fresh read.", min=0.5, max=60.0)
    zones_cover_all: bool = _setting(False, "The cameras' parking zones (kind parking in the fire-lane zone editor) "
                                            "watch every space: the cars they see are the count of cars inside, "
                                            "instead of entries minus exits.")
