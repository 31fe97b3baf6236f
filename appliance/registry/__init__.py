"""The community register: buildings, units with floor area, households, residents and
vehicles; spreadsheet import/export; the demo community. Everything else reads it."""
