"""The static analyzer: source text to FunctionSpecs, without importing or running it.

analysis = analyze_source(text, module="features", path="/abs/features.py")
source = ModuleSource("features", "/abs/features.py", resolver)   # keystroke path
analysis = source.update(new_text)                                 # re-parses changed blocks
"""

from .external import ExternalNames
from .model import DriverUse, ModuleAnalysis, WorkspaceResolver
from .module import ModuleSource, analyze_source
from .positions import (
    TextLines,
    document_lines,
    from_utf16_column,
    line_count,
    to_utf16_column,
)

__all__ = [
    "DriverUse",
    "ExternalNames",
    "ModuleAnalysis",
    "ModuleSource",
    "TextLines",
    "WorkspaceResolver",
    "analyze_source",
    "document_lines",
    "from_utf16_column",
    "line_count",
    "to_utf16_column",
]
