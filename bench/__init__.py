"""Benchmarks, run by hand (never in CI's pass/fail); results go to docs/benchmarks.md."""
