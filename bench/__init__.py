"""Benchmarks that print the figures the project is judged on (`make bench`)."""
