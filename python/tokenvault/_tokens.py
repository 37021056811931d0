"""Moving tokens between the SDK's ``OAuthToken`` objects and the native layer's field tuples."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from ._native import FIELDS
from ._sdk import OAuthToken, UserSignature

Fields = Tuple[Optional[str], ...]

# Field name -> the OAuthToken getter/setter suffix (the vault's `expiry_time` is the SDK's
# `expires_in`; its `user_name` is the name in the SDK's `UserSignature`, handled apart).
_ACCESSORS = {
    "id": "id",
    "client_id": "client_id",
    "client_secret": "client_secret",
    "refresh_token": "refresh_token",
    "access_token": "access_token",
    "grant_token": "grant_token",
    "expiry_time": "expires_in",
    "redirect_url": "redirect_url",
    "api_domain": "api_domain",
}


def _text(value: Any) -> Optional[str]:
    # The FileStore writes whatever the token holds through csv, i.e. as str(value).
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _user_name(token: Any) -> Optional[str]:
    signature = token.get_user_signature()
    if signature is None:
        return None
    name = signature.get_name()
    # A signature without a name still selects the FileStore's user-name rule (and matches
    # nothing), exactly as a signature named "" does.
    return "" if name is None else _text(name)


def fields_of(token: Any) -> Fields:
    """The token's ten fields, in the vault's order; ``None`` where the token has no value."""
    values = []
    for name in FIELDS:
        if name == "user_name":
            values.append(_user_name(token))
        else:
            values.append(_text(getattr(token, "get_" + _ACCESSORS[name])()))
    return tuple(values)


def fill_absent(token: Any, fields: Sequence[Optional[str]]) -> None:
    """Sets each of the token's absent (``None``) fields from ``fields``; given ones are kept.

    This is the FileStore's ``set_merge_data``: the caller's object is updated in place.
    """
    for name, value in zip(FIELDS, fields):
        if value is None:
            continue
        if name == "user_name":
            if token.get_user_signature() is None:
                token.set_user_signature(UserSignature(value))
        else:
            accessor = _ACCESSORS[name]
            if getattr(token, "get_" + accessor)() is None:
                getattr(token, "set_" + accessor)(value)


def new_token(fields: Sequence[Optional[str]]) -> Any:
    """A new ``OAuthToken`` holding ``fields``, built as the FileStore builds the tokens it
    returns: without the constructor (which validates a caller's arguments), every field set."""
    token = object.__new__(OAuthToken)
    token.set_id(None)
    token.set_user_signature(None)
    for accessor in _ACCESSORS.values():
        getattr(token, "set_" + accessor)(None)
    fill_absent(token, fields)
    return token
