"""Fire-lane watch: vehicles dwelling in fire-lane zones become incidents that reach the owner."""
