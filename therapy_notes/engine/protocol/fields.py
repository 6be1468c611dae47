"""How the local engine refuses a client message, worded as the cloud words it.

Parsing and session validation both reject fields, and a client (or a person reading its
log) should see the same `invalid_type` / `missing_required_parameter` / `invalid_value`
wording and `param` path whichever of them refused it. So the refusal types and the tiny
JSON type language they are checked with live here, below both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]

INVALID_REQUEST = "invalid_request_error"


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """Why a client message was refused; becomes one `error` event."""

    code: str
    message: str
    param: str | None = None
    event_id: str | None = None
    type: str = INVALID_REQUEST


class InvalidFieldError(Exception):
    """Carries a violation out of nested validation; the parser turns it into one."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.param = code, message, param


def type_name(value: object) -> str:
    """The JSON name of a value's type, as the cloud's messages say it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def wrong_type(param: str, expected: str, value: object) -> InvalidFieldError:
    """The `invalid_type` refusal of `param`."""
    return InvalidFieldError(
        "invalid_type",
        f"Invalid type for '{param}': expected {expected}, but got {type_name(value)}.",
        param,
    )


def str_field(data: Mapping[str, Any], key: str, param: str) -> str:
    """`data[key]`, which must be a string."""
    value = data[key]
    if not isinstance(value, str):
        raise wrong_type(param, "a string", value)
    return value


def required_str(data: Mapping[str, Any], key: str, param: str) -> str:
    """`data[key]`, which must be present and a string."""
    if key not in data:
        raise InvalidFieldError(
            "missing_required_parameter", f"Missing required parameter: '{param}'.", param
        )
    return str_field(data, key, param)


def opt_str(data: Mapping[str, Any], key: str, param: str) -> str | None:
    """`data[key]` if present and not null, which must then be a string."""
    if data.get(key) is None:
        return None
    return str_field(data, key, param)


def obj_field(
    data: Mapping[str, Any], key: str, param: str, *, required: bool
) -> JsonObject | None:
    """`data[key]` as an object; None when absent or null, unless `required`."""
    if key not in data or data[key] is None:
        if required:
            raise InvalidFieldError(
                "missing_required_parameter", f"Missing required parameter: '{param}'.", param
            )
        return None
    value = data[key]
    if not isinstance(value, dict):
        raise wrong_type(param, "an object", value)
    return value


def required_obj(data: Mapping[str, Any], key: str) -> JsonObject:
    """`data[key]`, which must be present and an object."""
    value = obj_field(data, key, key, required=True)
    assert value is not None
    return value


def check_type(value: object, expected: str, param: str) -> None:
    """Check a JSON value against a tiny type language: string, boolean, integer, number..."""
    ok = {
        "a string": isinstance(value, str),
        "a boolean": isinstance(value, bool),
        "an integer": isinstance(value, int) and not isinstance(value, bool),
        "a number": isinstance(value, int | float) and not isinstance(value, bool),
        "an array": isinstance(value, list),
        "an object": isinstance(value, dict),
    }[expected]
    if not ok:
        raise wrong_type(param, expected, value)


def check_enum(value: object, allowed: tuple[str, ...], param: str) -> None:
    """Check that a JSON value is one of the `allowed` strings."""
    check_type(value, "a string", param)
    if value not in allowed:
        raise InvalidFieldError(
            "invalid_value",
            f"Invalid value for '{param}': {str(value)[:100]!r}. "
            f"Supported values are: {', '.join(repr(a) for a in allowed)}.",
            param,
        )


def check_fields(data: JsonObject, spec: Mapping[str, str], prefix: str) -> None:
    """Check the types of the fields `spec` names, where present and not null."""
    for key, expected in spec.items():
        if key in data and data[key] is not None:
            check_type(data[key], expected, f"{prefix}.{key}")
