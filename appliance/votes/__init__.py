"""Owners decide: owners' votes under 民法典 art. 278 (roll, ballot ledger, exact count)."""
