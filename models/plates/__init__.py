"""Chinese licence plates: validation (GA 36-2018), fuzzy matching, detection and reading."""
