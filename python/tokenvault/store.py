"""``VaultStore``: the Zoho CRM SDK's ``TokenStore``, on an encrypted tokenvault file."""

from __future__ import annotations

import os
from typing import Any, List, Optional

from . import _handles, _native
from ._config import (
    KdfParams,
    Passphrase,
    PathLike,
    busy_timeout_or_default,
    credential,
    kdf_tuple,
)
from ._sdk import OAuthToken, SDKException, TokenStore
from ._tokens import fields_of, fill_absent, new_token
from .migration import MigrationReport, migrate


# The SDK's constants (zohocrmsdk ... util/constants.py), repeated so that application code that
# matches on them keeps working. FileStore texts are kept where VaultStore behaves the same.
TOKEN_STORE = "TOKEN_STORE"
ID_NOT_FOUND = "Exception in FileStore : Given Id not found"
ID_INVALID = "Exception in getTokenById - FileStore : Given ID is invalid"
AUTH_DETAILS_NOT_FOUND = "Exception in FileStore : Given user authentication details not found."



def _store_error(operation: str, error: Exception) -> SDKException:
    """An SDKException for a vault failure that the FileStore has no text for."""
    return SDKException(TOKEN_STORE, "Exception in %s - VaultStore : " % operation, cause=error)


class VaultStore(TokenStore):
    """The Zoho CRM SDK's token store, encrypted: a drop-in for ``FileStore``.

    Replace ``FileStore("sdk_tokens.txt")`` with ``VaultStore("tokens.vault")`` and pass it as
    ``store=`` to ``Initializer.initialize``. The six methods take and return the SDK's own
    ``OAuthToken`` objects and follow the FileStore's rules (which stored token a query selects,
    how fields merge, how ids are assigned, which ``SDKException`` an unknown id raises), with
    the differences listed in the package README.

    Every token is encrypted (AES-256-GCM) under a master key that a key slot unlocks: a
    passphrase (through Argon2id) or a key file (32 random bytes, no key derivation: opens in
    milliseconds). User names and tokens are found through keyed blind indexes. Several threads
    and several processes (gunicorn or celery workers) may use one vault file at once; every save
    is on disk when it returns.

    Args:
        path: The vault file. Created (mode 0600) when it does not exist, like the FileStore's
            file, unless ``create=False``. Or ``mysql://USER:PASSWORD@HOST/DATABASE`` or
            ``postgres://USER:PASSWORD@HOST/DATABASE``: the vault in a MySQL/MariaDB or PostgreSQL
            database that several hosts share (created in it likewise).
        passphrase: ``str`` or ``bytes``, unlocking a passphrase slot.
        key_file: The path of a key file (exactly 32 random bytes, e.g. made by ``tokenvault
            --vault PATH init --key-file K --generate`` or ``slot add --new-key-file K
            --generate``), unlocking a key-file slot instead of a passphrase; read by the core,
            its bytes never become a Python object. A key file other users can read gets a
            ``UserWarning``. A vault created here gets it as its first key slot.

            Give ``key_file`` or ``passphrase``, not both (``TypeError``). With neither, the
            credential comes from the environment, in the CLI's order: the key file named by
            ``TOKENVAULT_KEY_FILE``, else ``TOKENVAULT_PASSPHRASE``, else the output of the
            command in ``TOKENVAULT_PASSPHRASE_COMMAND`` (e.g. ``op read
            op://ops/tokenvault/password``).
        create: Create the vault when the file does not exist (default ``True``).
        kdf: Key-derivation cost for a vault created here with a passphrase (default
            ``KdfParams()``; a key file needs none). Settings below the floor (less than 64 MiB,
            or less than 64 MiB x 3 passes of work: RFC 9106's second recommendation) raise
            ``ValueError`` unless ``insecure_kdf=True``.
        busy_timeout: Seconds a write waits for other processes before failing (default 10).
        coordinate_refresh: Many workers, one refresh (default ``True``): when the stored token
            is one the SDK is about to refresh (or whose grant token it is about to exchange),
            ``find_token`` and ``find_token_by_id`` hand it to one caller — across threads,
            processes and hosts — and make the others wait, without the GIL, for that caller's
            ``save_token``, then return the fresh token, so the SDK makes one HTTP call per
            expiry instead of one per worker. ``False`` gives the FileStore's behaviour.
        refresh_lease: Seconds a caller's claim to refresh stands without its save before a
            waiting caller takes over (default 10; a holder that died on this host is taken
            over at once). It is also the longest a caller waits for any one holder, on its own
            clock, whatever the stored claim says. At most 60: a longer one is cut to 60.
        insecure_kdf: Allow ``kdf`` below the floor (default ``False``): a passphrase under
            such a key is guessed far faster. For tests and throwaway vaults only; an existing
            vault opens whatever its settings.

    Raises:
        tokenvault.WrongPassphraseError: The passphrase does not unlock the vault.
        tokenvault.WrongKeyFileError: The key file does not unlock the vault, or the vault has
            no key-file slot (a subclass of ``WrongPassphraseError``).
        tokenvault.KeyFileError: The key file cannot be read or is not exactly 32 bytes.
        tokenvault.VaultNotFoundError: No file at ``path`` and ``create=False``.
        tokenvault.NotAVaultError: The file is not a tokenvault vault (a FileStore token file?
            migrate it with ``VaultStore.migrate_file_store``).
        tokenvault.VaultError: Any other problem; the message says what to do.

    The vault is opened (and the key derived) once per process and shared by every
    ``VaultStore`` on the same file in that process, which must all give the same credential
    (the same passphrase, or a key file at the same path); a process forked from one that opened
    it opens it again on first use, with the credential read by the parent.
    """

    def __init__(
        self,
        path: PathLike,
        passphrase: Passphrase = None,
        *,
        key_file: Optional[PathLike] = None,
        create: bool = True,
        kdf: Optional[KdfParams] = None,
        busy_timeout: Optional[float] = None,
        coordinate_refresh: bool = True,
        refresh_lease: Optional[float] = None,
        insecure_kdf: bool = False,
    ) -> None:
        # The resolved path, for a server URL with its password, goes to the handle (which keeps
        # it to connect) and nowhere else: this object keeps what may be shown.
        target = _handles.resolve(path)
        self._path = _handles.shown(target)
        self._coordinate = bool(coordinate_refresh)
        self._handle, self._created = _handles.acquire(
            target,
            credential(passphrase, key_file, stacklevel=3),
            create=create,
            kdf=kdf_tuple(kdf),
            busy_timeout=busy_timeout_or_default(busy_timeout),
            refresh_lease=refresh_lease,
            insecure_kdf=insecure_kdf,
        )

    # ---- the SDK's six TokenStore methods ------------------------------------------------

    def find_token(self, token: Any) -> Any:
        """Finds the stored token the query selects and fills the query's absent fields from it.

        The rules are the FileStore's: the user name if the token has a user signature; else the
        access token, if it has neither client id nor secret; else, with client id and secret,
        the first stored token whose grant or refresh token matches. When none of these applies
        and the token has an id, the id is looked up (the FileStore finds nothing there, which
        breaks the SDK's ``revoke``).

        Returns the same ``token`` object, or ``None`` when nothing matches.
        """
        if not isinstance(token, OAuthToken):
            return token
        try:
            found = self._vault().find_token(fields_of(token), coordinate=self._coordinate)
        except _native.VaultError as e:
            raise _store_error("find_token", e) from e
        if found is None:
            return None
        fill_absent(token, found)
        return token

    def save_token(self, token: Any) -> None:
        """Stores the token: updates the stored token with its id (or, without an id, the one
        ``find_token`` would select), merging stored values into its absent fields; otherwise
        inserts it with the next id (largest + 1). Sets the id on ``token``. Durable on return.

        Raises ``SDKException`` (code ``TOKEN_STORE``) when a token with an id or a user name but
        no access, refresh or grant token matches nothing, and when the id is not a decimal
        number such as ``"7"``.
        """
        if not isinstance(token, OAuthToken):
            return
        try:
            saved = self._vault().save_token(fields_of(token))
        except _native.MissingAuthDetailsError as e:
            raise SDKException(TOKEN_STORE, AUTH_DETAILS_NOT_FOUND) from e
        except _native.InvalidIdError as e:
            raise SDKException(
                TOKEN_STORE,
                "Exception in VaultStore : Given id %r is not a decimal number such as \"7\" "
                "(no sign, no leading zero); leave the id unset and save_token assigns one"
                % (token.get_id(),),
            ) from e
        except _native.VaultError as e:
            raise _store_error("save_token", e) from e
        fill_absent(token, saved)

    def delete_token(self, id: Any) -> None:
        """Deletes the token with ``id``.

        Raises ``SDKException("TOKEN_STORE", "Exception in FileStore : Given Id not found")``
        when there is none.
        """
        if not isinstance(id, str):
            raise SDKException(TOKEN_STORE, ID_NOT_FOUND)
        try:
            self._vault().delete_token(id)
        except _native.TokenNotFoundError as e:
            raise SDKException(TOKEN_STORE, ID_NOT_FOUND) from e
        except _native.VaultError as e:
            raise _store_error("delete_token", e) from e

    def get_tokens(self) -> List[Any]:
        """Every stored token as a new ``OAuthToken``, in insertion order."""
        try:
            rows = self._vault().get_tokens()
        except _native.VaultError as e:
            raise _store_error("get_tokens", e) from e
        return [new_token(row) for row in rows]

    def delete_tokens(self) -> None:
        """Deletes every token. The vault file, its keys and its passphrase stay."""
        try:
            self._vault().delete_tokens()
        except _native.VaultError as e:
            raise _store_error("delete_tokens", e) from e

    def find_token_by_id(self, id: Any) -> Any:
        """The token with ``id``, as a new ``OAuthToken``.

        Raises ``SDKException("TOKEN_STORE", "Exception in getTokenById - FileStore : Given ID
        is invalid")`` when there is none.
        """
        if not isinstance(id, str):
            raise SDKException(TOKEN_STORE, ID_INVALID)
        try:
            row = self._vault().find_token_by_id(id, coordinate=self._coordinate)
        except _native.TokenNotFoundError as e:
            raise SDKException(TOKEN_STORE, ID_INVALID) from e
        except _native.VaultError as e:
            raise _store_error("find_token_by_id", e) from e
        return new_token(row)

    # ---- beyond the SDK's interface ------------------------------------------------------

    @property
    def path(self) -> str:
        """The vault file (absolute, symlinks resolved), or the server URL without its password."""
        return self._path

    @property
    def created(self) -> bool:
        """Whether this ``VaultStore`` created the vault file."""
        return self._created

    def info(self) -> "_native.VaultInfo":
        """Format version (the file's: 1, or 2 with key slots), store id, key slots (name, kind
        ``"passphrase"`` or ``"key-file"``, creation time, a passphrase slot's KDF parameters),
        counters, token count and file size."""
        return self._vault().info()

    def verify(self) -> "_native.VerifyReport":
        """Decrypts every record and checks every index entry. ``problems`` lists what is wrong
        (ids and positions only, never a value); an empty list means the vault is sound."""
        return self._vault().verify()

    def __len__(self) -> int:
        return len(self._vault())

    def close(self) -> None:
        """Closes the vault in this process, for every ``VaultStore`` on this file here.

        Not needed at exit. A ``VaultStore`` created afterwards opens the vault again.
        """
        _handles.release(self._handle)

    def __enter__(self) -> "VaultStore":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "VaultStore(%r)" % self._path

    @staticmethod
    def migrate_file_store(
        file_store_path: PathLike,
        vault_path: PathLike,
        passphrase: Passphrase = None,
        *,
        key_file: Optional[PathLike] = None,
        kdf: Optional[KdfParams] = None,
        busy_timeout: Optional[float] = None,
        insecure_kdf: bool = False,
    ) -> "MigrationReport":
        """Copies every token of an SDK FileStore file (``sdk_tokens.txt``) into a vault.

        All or nothing: the file is read and checked first, then every token is stored in one
        transaction, keeping its id. The vault is created when it does not exist, in that same
        transaction, so a migration that fails leaves no vault behind (a file or a server
        database alike) and can simply run again; an existing vault must be empty. The plaintext
        file is left in place, and the report says so: delete it once the application runs on
        the vault.

        ``passphrase``, ``key_file`` (and where the credential comes from without them), ``kdf``
        and ``insecure_kdf`` are as for ``VaultStore``: a vault created here gets the key file or
        passphrase as its first key slot. Returns a ``MigrationReport`` with the counts.
        """
        return migrate(
            file_store_path,
            vault_path,
            passphrase,
            key_file=key_file,
            kdf=kdf,
            busy_timeout=busy_timeout,
            insecure_kdf=insecure_kdf,
        )

    # ---- internals -----------------------------------------------------------------------

    def _vault(self) -> _native.Vault:
        handle = self._handle
        if handle.owner_pid != os.getpid():
            handle = self._handle = _handles.for_this_process(handle)
        return handle

