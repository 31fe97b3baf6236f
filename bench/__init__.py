"""Benchmarks: each ``bench_*.py`` module has ``main()``; ``python -m bench`` runs them all
and merges their figures into ``bench/results.json``."""
