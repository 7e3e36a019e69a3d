"""A small validator for the part of JSON Schema that the checklist schema uses.

Himaya takes no dependency for this: ``checklist.schema.json`` (draft 2020-12) stays a real
JSON Schema that editors and other tools can use, and this module checks a document against
it, stopping at the first problem with its place (``sections[2].items[5].text.ar``) and a
reason a file editor understands (``missing``).

Supported keywords: ``$ref`` (to ``#/$defs/…``), ``type`` (a name or a list), ``enum``,
``const``, ``properties``, ``required``, ``additionalProperties`` (false or a schema),
``minProperties``, ``items``, ``minItems``, ``minLength``, ``pattern``, ``minimum`` and
``anyOf``. ``x-error`` (ignored by other validators) gives the reason when ``pattern``
fails. Annotations (``title``, ``description``, ``$comment`` …) are ignored; any other
keyword is refused, so the schema never says more than is checked.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "examples",
                          "default", "x-error"})
_KEYWORDS = frozenset({"$ref", "type", "enum", "const", "properties", "required", "additionalProperties",
                       "minProperties", "items", "minItems", "minLength", "pattern", "minimum", "anyOf"})
_TYPE_NAMES = {
    "object": "an object", "array": "a list", "string": "text", "integer": "a whole number",
    "number": "a number", "boolean": "true or false", "null": "null",
}


class SchemaViolation(Exception):
    """The first place where a document breaks the schema."""

    def __init__(self, place: str, reason: str) -> None:
        super().__init__(f"{place or '(document)'}: {reason}")
        self.place, self.reason = place, reason


def child_place(place: str, key: str | int) -> str:
    """``sections`` + 2 → ``sections[2]``; ``sections[2]`` + ``id`` → ``sections[2].id``."""
    if isinstance(key, int):
        return f"{place}[{key}]"
    return f"{place}.{key}" if place else key


def validate(document: Any, schema: Mapping[str, Any]) -> None:
    """Raise ``SchemaViolation`` at the first place ``document`` breaks ``schema``."""
    _Validator(schema).check(document, schema, "")


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"object": dict, "array": list, "string": str, "boolean": bool,
                              "null": type(None)}[name])


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Validator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/$defs/"):
                raise ValueError(f"unsupported $ref {ref!r} in the schema")
            schema = self.root["$defs"][ref[len("#/$defs/"):]]
        return schema

    def check(self, value: Any, schema: Mapping[str, Any], place: str) -> None:
        schema = self.resolve(schema)
        unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
        if unknown:
            raise ValueError(f"the schema uses keywords this validator does not check: {sorted(unknown)}")
        if "anyOf" in schema:
            self.check_any_of(value, schema["anyOf"], place)
        if "type" in schema:
            names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
            if not any(_is_type(value, name) for name in names):
                raise SchemaViolation(place, "expected " + " or ".join(_TYPE_NAMES[n] for n in names))
        if "const" in schema and value != schema["const"]:
            raise SchemaViolation(place, f"must be {_describe(schema['const'])}")
        if "enum" in schema and value not in schema["enum"]:
            raise SchemaViolation(place, f"{_describe(value)} is not one of {', '.join(map(str, schema['enum']))}")
        if isinstance(value, str):
            self.check_string(value, schema, place)
        elif _is_type(value, "number") and "minimum" in schema and value < schema["minimum"]:
            raise SchemaViolation(place, f"must be at least {schema['minimum']}")
        elif isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                raise SchemaViolation(place, "needs at least one entry" if schema["minItems"] == 1 else
                                      f"needs at least {schema['minItems']} entries")
            if "items" in schema:
                for index, entry in enumerate(value):
                    self.check(entry, schema["items"], child_place(place, index))
        elif isinstance(value, dict):
            self.check_object(value, schema, place)

    def check_string(self, value: str, schema: Mapping[str, Any], place: str) -> None:
        if len(value) < schema.get("minLength", 0):
            raise SchemaViolation(place, "empty" if schema["minLength"] == 1 else
                                  f"shorter than {schema['minLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise SchemaViolation(place, schema.get("x-error") or
                                  f"{_describe(value)} does not match {schema['pattern']}")

    def check_object(self, value: dict, schema: Mapping[str, Any], place: str) -> None:
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                raise SchemaViolation(child_place(place, name), "missing")
        if len(value) < schema.get("minProperties", 0):
            raise SchemaViolation(place, "empty")
        extra = schema.get("additionalProperties", True)
        for name, entry in value.items():
            if name in properties:
                self.check(entry, properties[name], child_place(place, name))
            elif extra is False:
                known = ", ".join(properties) or "none"
                raise SchemaViolation(child_place(place, name), f"unknown key (known keys: {known})")
            elif isinstance(extra, Mapping):
                self.check(entry, extra, child_place(place, name))

    def check_any_of(self, value: Any, branches: list[Mapping[str, Any]], place: str) -> None:
        """Passes if one branch does; else reports the branch meant for this kind of value."""
        failures: list[SchemaViolation] = []
        for branch in branches:
            try:
                self.check(value, branch, place)
                return
            except SchemaViolation as exc:
                failures.append(exc)
        meant = [f for f, b in zip(failures, branches) if self.type_fits(value, self.resolve(b))]
        if len(meant) == 1:
            raise meant[0]
        names = [n for b in branches for n in self.type_names(self.resolve(b))]
        raise SchemaViolation(place, "expected " + " or ".join(dict.fromkeys(_TYPE_NAMES[n] for n in names)))

    def type_names(self, schema: Mapping[str, Any]) -> list[str]:
        """The types a schema accepts, declared or implied by ``enum``/``const``/``anyOf``."""
        declared = schema.get("type")
        if declared is not None:
            return [declared] if isinstance(declared, str) else list(declared)
        if "enum" in schema or "const" in schema:
            values = schema.get("enum", [schema.get("const")])
            return list(dict.fromkeys(n for v in values for n in _TYPE_NAMES if _is_type(v, n) and n != "integer"))
        return [n for b in schema.get("anyOf", ()) for n in self.type_names(self.resolve(b))]

    def type_fits(self, value: Any, schema: Mapping[str, Any]) -> bool:
        return any(_is_type(value, name) for name in self.type_names(schema))
