"""Reading uploaded files (imports)."""

from __future__ import annotations

from fastapi import UploadFile

from itembank.errors import Invalid

__all__ = ["read_upload", "MAX_UPLOAD"]

#: Largest accepted upload, bytes.
MAX_UPLOAD = 50 * 1024 * 1024


async def read_upload(file: UploadFile, fmt: str | None) -> tuple[str, str]:
    """The upload's text and its format (``csv``/``json``, by name when not given)."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Invalid(f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB", "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise Invalid(f"the file is not UTF-8 text (byte {err.start})", "file") from None
    if fmt is None:
        name = (file.filename or "").lower()
        fmt = "json" if name.endswith(".json") else "csv"
    return text, fmt
