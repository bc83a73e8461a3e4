"""Uploaded files (imports): size limit, format, the bytes as a server-side file.

An upload is spooled by the server into a temporary file of its own
making; routes read that file and never use the client's file name as a
path (it may climb out of a folder, name an absolute path or be too long
for the file system), only to guess a format from its extension.
"""

from __future__ import annotations

from typing import BinaryIO

from fastapi import HTTPException, UploadFile

from itembank.errors import Invalid

__all__ = ["read_upload", "upload_stream", "imported_at_once", "MAX_UPLOAD", "SYNC_IMPORT_BYTES"]

#: Largest accepted upload, bytes.
MAX_UPLOAD = 50 * 1024 * 1024
#: Largest upload imported within its request; a larger one becomes a background job.
SYNC_IMPORT_BYTES = 1024 * 1024


def _check_size(file: UploadFile) -> None:
    size = file.size
    if size is None:
        size = file.file.seek(0, 2)
    if size > MAX_UPLOAD:
        raise HTTPException(
            status_code=413,
            detail=f"the file is {size / 1024**2:.1f} MB; an import takes at most {MAX_UPLOAD // 1024**2} MB",
        )


def upload_stream(file: UploadFile) -> BinaryIO:
    """The upload as a seekable binary file, at its start.

    Raises
    ------
    HTTPException
        413 when the file is larger than :data:`MAX_UPLOAD`.
    """
    _check_size(file)
    file.file.seek(0)
    return file.file


def imported_at_once(file: UploadFile) -> bool:
    """Whether the upload is small enough to import within its request (else: a background job)."""
    size = file.size if file.size is not None else file.file.seek(0, 2)
    return size <= SYNC_IMPORT_BYTES


async def read_upload(file: UploadFile, fmt: str | None) -> tuple[str, str]:
    """The upload's text and its format (``csv``/``json``, by name when not given)."""
    _check_size(file)
    await file.seek(0)
    data = await file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise Invalid(f"the file is not UTF-8 text (byte {err.start})", "file") from None
    if fmt is None:
        name = (file.filename or "").lower()
        fmt = "json" if name.endswith(".json") else "csv"
    return text, fmt
