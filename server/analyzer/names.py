"""Hamilton's public names under their canonical names: the engine's vocabulary
(`livedag.engine.api_names`), which the runtime front end shares."""

from livedag.engine.api_names import (
    API_PREFIXES,
    DRIVER_MODULES,
    canonical_name,
    is_api_namespace,
    is_canonical,
    is_enum_member,
)

__all__ = [
    "API_PREFIXES",
    "DRIVER_MODULES",
    "canonical_name",
    "is_api_namespace",
    "is_canonical",
    "is_enum_member",
]
