"""Private file storage that encrypts every file at rest (security.md §0: uploaded ID and
certificate scans are treated like the ID number itself).

Files are sealed whole with `portal.crypto.encrypt_bytes` (AES-256-GCM, the PI field keys from
`PORTAL_FIELD_KEYS`, never `SECRET_KEY`; `manage.py reencrypt` rotates them). Evidence files are at
most a few MB (`portal.uploads`), so sealing in memory is fine. Reading returns the plaintext;
an altered or undecryptable file raises `portal.crypto.DecryptionError`, which callers treat as an
integrity failure. Files written before encryption was switched on (no magic header) are read as
they are, so existing data keeps working; `reencrypt` seals them.

Contract differences from FileSystemStorage: `size()` is the sealed size on disk (the plaintext
size is stored with each attachment), and `path()` points at ciphertext.
"""

import io
import os

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from portal import crypto


class EncryptedFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        return super()._save(name, ContentFile(crypto.encrypt_bytes(content.read())))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("encrypted files are written only through save()")
        with super()._open(name, "rb") as handle:
            blob = handle.read()
        data = crypto.decrypt_bytes(blob) if crypto.is_sealed(blob) else blob
        return File(io.BytesIO(data), name=name)

    def read_raw(self, name) -> bytes:
        """The bytes on disk (ciphertext), for rotation and tests."""
        with super()._open(name, "rb") as handle:
            return handle.read()

    def reseal(self, name) -> bool:
        """Rewrite `name` under the current key if it is plaintext or on an older key; True if it
        was rewritten. The file is replaced in place (same name)."""
        blob = self.read_raw(name)
        if crypto.is_sealed(blob) and crypto.sealed_key_id(blob) == crypto.current_key_id():
            return False
        data = crypto.decrypt_bytes(blob) if crypto.is_sealed(blob) else blob
        sealed = crypto.encrypt_bytes(data)
        path = self.path(name)
        temporary = path + ".reseal"
        with open(temporary, "wb") as handle:
            handle.write(sealed)
        os.replace(temporary, path)
        return True
