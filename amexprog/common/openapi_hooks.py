"""Post-processing of the generated OpenAPI schema, so a client can be generated from it (SPEC section
16; issue 18 item 5): the one error shape as components, plain component names, descriptions without
the project's internal references, and no component that nothing refers to.
"""

from __future__ import annotations

import re
from typing import Any

ERROR_COMPONENTS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "description": "Every error answer (any 4xx or 5xx).",
        "properties": {
            "code": {"type": "string", "description": "Stable and machine-readable, e.g. `invalid`, `not_found`."},
            "detail": {"type": "string", "description": "For people, in the caller's language."},
            "fields": {
                "type": "object",
                "description": "The fields or query parameters at fault (nested ones as `a.b` and `a[0].b`); "
                               "empty when none is.",
                "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            },
            "request_id": {"type": "string", "description": "As in the `X-Request-ID` header."},
        },
        "required": ["code", "detail", "fields", "request_id"],
    },
    "FieldError": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "Machine-readable, e.g. `required`, `unknown_field`, "
                                                      "`unknown_parameter`, `invalid_row`."},
            "message": {"type": "string"},
            "row": {"type": "integer", "description": "A rejected file's row (the header is row 1)."},
            "column": {"type": "string", "description": "A rejected file's column; empty for the whole row."},
        },
        "required": ["code", "message"],
    },
}

_REF = r"(?:SPEC sections? \d+(?:(?:, | and |–|-)\d+)*|issues? \d+(?: items? \d+(?:(?:, | and )\d+)*)?)"


def public_text(text: str) -> str:
    """A description without references to the project's SPEC sections and issues (terms § stay: the
    terms are the holder's own document)."""
    text = re.sub(rf"\s*\(\s*{_REF}(?:\s*[;,]\s*{_REF})*\s*\)", "", text)
    text = re.sub(rf"\s*[;,]\s*{_REF}(?=\s*\))", "", text)
    text = re.sub(rf"\(\s*{_REF}\s*[;,]\s*", "(", text)
    text = re.sub(rf"(^|(?<=\. )){_REF}\s*[:,]\s*(\w)", lambda m: m.group(1) + m.group(2).upper(), text)
    text = re.sub(rf"\s*{_REF}", "", text)
    return text.replace(" in the SPEC", "")


def _rename(name: str, taken: set[str]) -> str:
    for suffix, replacement in (("ListList", "List"), ("RequestRequest", "RequestBody")):
        if name.endswith(suffix):
            candidate = name[: -len(suffix)] + replacement
            if candidate not in taken:
                return candidate
    return name


def _walk(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            elif key in ("description", "summary") and isinstance(value, str):
                out[key] = public_text(value)
            else:
                out[key] = _walk(value, renames)
        return out
    if isinstance(node, list):
        return [_walk(item, renames) for item in node]
    return node


def _referenced(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                _referenced(value, found)
    elif isinstance(node, list):
        for item in node:
            _referenced(item, found)


def schema_postprocess(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"], after drf-spectacular's enum hook."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(ERROR_COMPONENTS)
    # Only what an operation uses, transitively (inline error bodies replaced by Error leave orphans).
    used: set[str] = set()
    _referenced(result.get("paths", {}), used)
    frontier = set(used)
    while frontier:
        found: set[str] = set()
        for name in frontier:
            _referenced(schemas.get(name, {}), found)
        frontier = found - used
        used |= found
    for name in list(schemas):
        if name not in used:
            del schemas[name]
    renames: dict[str, str] = {}
    taken = set(schemas)
    for name in list(schemas):
        new = _rename(name, taken)
        if new != name:
            renames[name] = new
            taken.add(new)
    components["schemas"] = {renames.get(name, name): schema for name, schema in schemas.items()}
    return _walk(result, renames)
