"""The box itself: configuration, database, accounts, task queue, GPIO and model files, as
health lines a volunteer can read. Backups, updates and first boot will live here too."""
