"""Participation: residents report, rate and read notices; Open311 is its public face."""
