"""Performance mechanics, kept apart from the rules: array helpers, hashing, lazy imports, runtime
settings. Each piece carries the measurement that justified it (bench/README.md has the method)."""
