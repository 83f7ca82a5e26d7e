"""livedag's static side: the analyzer, the language server, and the `livedag` command."""
