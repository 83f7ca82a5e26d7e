"""What the `livedag` command prints: graphs (json, dot, mermaid) and problems (text, json,
SARIF, GitHub annotations), each format one module."""
