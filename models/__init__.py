"""Inference: model runtimes, face, vehicles and plates. Imports nothing from the project."""
