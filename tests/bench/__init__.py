"""Benchmarks (``make bench`` / ``python -m tests.bench``): not part of the test suite.

``dataset.py`` loads the data, ``harness.py`` times the cases that ``cases_<app>.py`` modules register.
"""
