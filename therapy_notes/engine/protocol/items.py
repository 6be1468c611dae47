"""Conversation item shapes a client may send (PROTOCOL.md section 3, "Item shapes").

Apart from session config because items are conversation content, not settings: the
parser checks one on `conversation.item.create`, and the conversation stores and echoes
the checked copy.
"""

from __future__ import annotations

from therapy_notes.engine.protocol.fields import (
    InvalidFieldError,
    JsonObject,
    check_enum,
    check_fields,
    check_type,
    required_str,
)

_MESSAGE_ROLES = ("user", "system", "assistant")
_CONTENT_TYPES = {
    "user": ("input_text", "input_audio"),
    "system": ("input_text",),
    "assistant": ("output_text", "text"),
}


def validate_item(item: JsonObject) -> JsonObject:
    """Check a `conversation.item.create` item; return it unchanged if valid.

    Raises:
        InvalidFieldError: a required field is missing or a field has the wrong type or value.
    """
    if "type" not in item:
        raise InvalidFieldError(
            "missing_required_parameter", "Missing required parameter: 'item.type'.", "item.type"
        )
    check_enum(item["type"], ("message", "function_call_output", "function_call"), "item.type")
    check_fields(item, {"id": "a string", "status": "a string"}, "item")
    if item["type"] == "function_call_output":
        required_str(item, "call_id", "item.call_id")
        required_str(item, "output", "item.output")
        return item
    if item["type"] == "function_call":
        required_str(item, "name", "item.name")
        required_str(item, "arguments", "item.arguments")
        check_fields(item, {"call_id": "a string"}, "item")
        return item
    if "role" not in item:
        raise InvalidFieldError(
            "missing_required_parameter", "Missing required parameter: 'item.role'.", "item.role"
        )
    check_enum(item["role"], _MESSAGE_ROLES, "item.role")
    if "content" not in item:
        raise InvalidFieldError(
            "missing_required_parameter",
            "Missing required parameter: 'item.content'.",
            "item.content",
        )
    check_type(item["content"], "an array", "item.content")
    for i, part in enumerate(item["content"]):
        param = f"item.content[{i}]"
        check_type(part, "an object", param)
        if "type" not in part:
            raise InvalidFieldError(
                "missing_required_parameter",
                f"Missing required parameter: '{param}.type'.",
                f"{param}.type",
            )
        check_enum(part["type"], _CONTENT_TYPES[item["role"]], f"{param}.type")
        check_fields(part, {"text": "a string", "transcript": "a string"}, param)
        if part["type"] in ("input_text", "output_text", "text"):
            required_str(part, "text", f"{param}.text")
        if part["type"] == "input_audio" and part.get("audio") is not None:
            check_type(part["audio"], "a string", f"{param}.audio")
    return item
