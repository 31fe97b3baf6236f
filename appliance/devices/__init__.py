"""Lamps and sensors (路灯与传感器): see setup.py."""
