"""The language server (pygls): one module per feature."""
