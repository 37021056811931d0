"""The Zoho CRM SDK's classes VaultStore works with, or stand-ins when the SDK is not installed.

With the SDK importable (``zohocrmsdk8-0``, or ``zohocrmsdk7-0``: both install the package
``zohocrmsdk`` with the same store interface), VaultStore subclasses the SDK's ``TokenStore``
(``Initializer.initialize`` checks ``isinstance(store, TokenStore)``), takes and returns the
SDK's ``OAuthToken`` objects and raises the SDK's ``SDKException``. Without it, the stand-ins
below have the same names, getters, setters and attributes, so scripts that only migrate or
inspect tokens need no SDK.
"""

from __future__ import annotations

import abc
import json
from typing import Any, Optional

try:
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken  # type: ignore
    from zohocrmsdk.src.com.zoho.api.authenticator.store.token_store import TokenStore  # type: ignore
    from zohocrmsdk.src.com.zoho.crm.api.exception.sdk_exception import SDKException  # type: ignore
    from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature  # type: ignore

    SDK_AVAILABLE = True
except ImportError:
    SDK_AVAILABLE = False

    class TokenStore(abc.ABC):  # type: ignore[no-redef]
        """Stand-in for the SDK's ``TokenStore`` (the SDK is not installed)."""

        @abc.abstractmethod
        def find_token(self, token: Any) -> Any: ...

        @abc.abstractmethod
        def save_token(self, token: Any) -> None: ...

        @abc.abstractmethod
        def delete_token(self, id: Any) -> None: ...

        @abc.abstractmethod
        def get_tokens(self) -> list: ...

        @abc.abstractmethod
        def delete_tokens(self) -> None: ...

        @abc.abstractmethod
        def find_token_by_id(self, id: Any) -> Any: ...

    class SDKException(Exception):  # type: ignore[no-redef]
        """Stand-in for the SDK's ``SDKException``: same attributes and text."""

        message = "Caused By: {code} - {message}"

        def __init__(self, code=None, message=None, details=None, cause=None):
            self.code = code
            self.cause = cause
            self.details = details
            self.error_message = "" if message is None else message
            if self.details is not None:
                self.error_message += json.dumps(self.details, default=str)
            if self.cause is not None:
                self.error_message += str(self.cause)
            Exception.__init__(self, code, message)

        def __str__(self):
            return self.message.format(code=self.code, message=self.error_message)

    class UserSignature:  # type: ignore[no-redef]
        """Stand-in for the SDK's ``UserSignature``: a CRM user's name (email)."""

        def __init__(self, name: Optional[str]):
            self.__name = name

        def get_name(self) -> Optional[str]:
            return self.__name

    class OAuthToken:  # type: ignore[no-redef]
        """Stand-in for the SDK's ``OAuthToken``: the stored fields and their getters/setters."""

        def __init__(self, client_id=None, client_secret=None, grant_token=None,
                     refresh_token=None, redirect_url=None, id=None, access_token=None,
                     user_signature=None, api_domain=None):
            self.__client_id = client_id
            self.__client_secret = client_secret
            self.__grant_token = grant_token
            self.__refresh_token = refresh_token
            self.__redirect_url = redirect_url
            self.__id = id
            self.__access_token = access_token
            self.__user_signature = user_signature
            self.__api_domain = api_domain
            self.__expires_in = None

        def __repr__(self) -> str:
            # Never the secrets.
            return "<OAuthToken id=%r>" % (self.__id,)

        def get_id(self): return self.__id
        def set_id(self, value): self.__id = value
        def get_user_signature(self): return self.__user_signature
        def set_user_signature(self, value): self.__user_signature = value
        def get_client_id(self): return self.__client_id
        def set_client_id(self, value): self.__client_id = value
        def get_client_secret(self): return self.__client_secret
        def set_client_secret(self, value): self.__client_secret = value
        def get_refresh_token(self): return self.__refresh_token
        def set_refresh_token(self, value): self.__refresh_token = value
        def get_access_token(self): return self.__access_token
        def set_access_token(self, value): self.__access_token = value
        def get_grant_token(self): return self.__grant_token
        def set_grant_token(self, value): self.__grant_token = value
        def get_expires_in(self): return self.__expires_in
        def set_expires_in(self, value): self.__expires_in = value
        def get_redirect_url(self): return self.__redirect_url
        def set_redirect_url(self, value): self.__redirect_url = value
        def get_api_domain(self): return self.__api_domain
        def set_api_domain(self, value): self.__api_domain = value


__all__ = ["SDK_AVAILABLE", "OAuthToken", "SDKException", "TokenStore", "UserSignature"]
