"""On-board inference. Imports nothing from the rest of the project."""
