"""The static analyzer: source text to FunctionSpecs, without importing or running it."""
