"""Uploaded files (imports): size limit, format, the bytes as a server-side file.

An upload is spooled by the server into a temporary file of its own
making; routes read that file and never use the client's file name as a
path (it may climb out of a folder, name an absolute path or be too long
for the file system), only to guess a format from its extension.
"""

from __future__ import annotations

from typing import BinaryIO

from fastapi import HTTPException, UploadFile

__all__ = ["upload_stream", "upload_format", "imported_at_once", "MAX_UPLOAD", "SYNC_IMPORT_BYTES"]

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


def upload_format(file: UploadFile, fmt: str | None) -> str:
    """The upload's format: ``fmt`` when given, else ``json`` for a ``.json`` name and ``csv`` otherwise."""
    if fmt is not None:
        return fmt
    return "json" if (file.filename or "").lower().endswith(".json") else "csv"
