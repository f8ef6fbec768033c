"""Load and speed benchmarks for the findings list (see bench/README.md)."""
