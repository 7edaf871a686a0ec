"""Tests of packaging: resource lookup, icons, desktop entry, the frozen bundle."""
