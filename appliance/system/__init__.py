"""The box itself: configuration, database, accounts, task queue, GPIO and model files, as
health lines a volunteer can read; backups (backup.py, restore.py, backups.py, sealed.py),
updates (bundle.py, slots.py, updates.py), the first-boot wizard (wizard.py) and the
acceptance table (acceptance.py)."""
