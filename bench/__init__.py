"""Benchmarks (run as scripts, e.g. `.venv/bin/python bench/content.py`); not part of the test suite."""
