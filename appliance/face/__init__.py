"""Face entry (optional, never the only way in): consent and enrollment, encrypted templates,
identification with liveness, and the attempt at the kiosk. Face data never leaves the box."""
