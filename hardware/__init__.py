"""Devices over gpiozero and friends. Imports nothing from the project; every device takes
its pin factory (or other backend) from the caller and has a simulated backend for tests."""
