"""The default file storage: MEDIA_ROOT on disk, every file encrypted (``datakeys.py``)."""

from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from opentrm.dataprotection.datakeys import seal, unseal


class EncryptedFileSystemStorage(FileSystemStorage):
    """Writes sealed files and reads them back in the clear; the caller sees no difference.

    Attachments are capped in size (OPENTRM_DOCUMENT_MAX_BYTES), so a file is sealed and
    opened in memory."""

    def _save(self, name: str, content: File) -> str:  # type: ignore[type-arg]
        content.seek(0)
        sealed = seal(content.read())
        return str(super()._save(name, ContentFile(sealed)))  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> File:  # type: ignore[type-arg]
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("encrypted files are written through save() only")
        with super()._open(name, "rb") as handle:  # type: ignore[misc]
            data = handle.read()
        return ContentFile(unseal(data), name=name)

    def size(self, name: str) -> Any:
        with self._open(name) as handle:
            return handle.size
