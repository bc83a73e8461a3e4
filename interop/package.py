"""Reading a package of files (a zip archive or a folder) without trusting it.

A district's export arrives as a zip or a folder of files; a hostile one may
try to write or read outside its own folder (``../``, absolute names,
symbolic links), to exhaust memory (a zip bomb: a small archive that
expands to gigabytes) or simply be far too large.  :func:`open_package`
refuses all of these whole, before anything is read into the bank, with a
message that says which rule was broken.

Members are held as bytes in memory: packages are bounded by
:class:`Limits`, which the CLI and the service set from their settings.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from interop.errors import ImportRefused

__all__ = ["Limits", "Package", "open_package", "read_limited", "human_size"]

MB = 1024 * 1024


def human_size(n: float) -> str:
    """``512 bytes``, ``12 KB``, ``3.4 MB``."""
    if n < 1024:
        return f"{n:.0f} bytes"
    if n < MB:
        return f"{n / 1024:.0f} KB"
    return f"{n / MB:.1f} MB"


@dataclass(frozen=True)
class Limits:
    """How large a file or package may be.

    Attributes
    ----------
    max_bytes : int
        Largest file, or zip archive, accepted (default 50 MB).
    max_expanded_bytes : int
        Largest total size of the files of a package once decompressed
        (default 500 MB).
    max_ratio : float
        Largest ratio of a zip's decompressed size to its own size (default
        200: text compresses about 5 to 20 times, a zip bomb thousands of
        times).
    max_members : int
        Most files in a package.
    """

    max_bytes: int = 50 * MB
    max_expanded_bytes: int = 500 * MB
    max_ratio: float = 200.0
    max_members: int = 20_000

    def check_size(self, size: int, name: str) -> None:
        """Refuse a file larger than :attr:`max_bytes`."""
        if size > self.max_bytes:
            raise ImportRefused(
                f"the file is {human_size(size)}; an import takes at most {human_size(self.max_bytes)}", file=name
            )


def read_limited(path: Path, limits: Limits) -> bytes:
    """The bytes of a regular file at ``path``, refused when too large or not a regular file."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise ImportRefused("is a symbolic link; give the file itself", file=path.name)
    if not stat.S_ISREG(info.st_mode):
        raise ImportRefused("is not a regular file", file=path.name)
    limits.check_size(info.st_size, path.name)
    return path.read_bytes()


def _member_name(raw: str, package: str) -> str:
    """A member's name as a relative POSIX path, refusing any that leaves the package."""
    name = raw.replace("\\", "/")
    path = PurePosixPath(name)
    if (
        not name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or any(part == ".." for part in path.parts)
        or "\x00" in name
    ):
        raise ImportRefused(f"the member {raw!r} names a path outside the package", file=package)
    return str(path)


@dataclass
class Package:
    """The files of a package by relative POSIX name (``items/q1.xml``), as bytes.

    Attributes
    ----------
    name : str
        What to call the package in messages (the archive's or folder's base name).
    files : dict of str to bytes
        The members; folders are not listed.
    """

    name: str
    files: dict[str, bytes]

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __contains__(self, name: object) -> bool:
        return name in self.files

    def read(self, name: str) -> bytes:
        """A member's bytes; :class:`ImportRefused` when the package lacks it."""
        try:
            return self.files[name]
        except KeyError:
            raise ImportRefused(f"the package has no file {name}", file=self.name) from None

    def strip_common_folder(self) -> str | None:
        """When every member sits in one top folder (a zipped folder), drop it; returns its name."""
        tops = {name.split("/", 1)[0] for name in self.files}
        if len(tops) != 1 or not all("/" in name for name in self.files):
            return None
        (top,) = tops
        self.files = {name.split("/", 1)[1]: data for name, data in self.files.items()}
        return top


def _read_zip(data: bytes, name: str, limits: Limits) -> Package:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRefused("is not a zip archive (or a damaged one)", file=name) from None
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise ImportRefused(f"has {len(infos)} members; a package holds at most {limits.max_members}", file=name)
    budget = min(limits.max_expanded_bytes, int(max(len(data), 1) * limits.max_ratio))
    files: dict[str, bytes] = {}
    used = 0
    for info in infos:
        member = _member_name(info.filename, name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ImportRefused(f"the member {info.filename!r} is a symbolic link", file=name)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise ImportRefused(f"the member {info.filename!r} is encrypted", file=name)
        if member in files:
            raise ImportRefused(f"the member {member!r} appears twice", file=name)
        if used + info.file_size > budget:
            raise _bomb(name, budget, len(data), limits)
        try:
            with archive.open(info) as stream:
                # read at most what is left of the budget (+1 to notice more): the sizes a
                # zip declares may lie
                content = stream.read(budget - used + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as err:
            raise ImportRefused(f"the member {info.filename!r} cannot be read: {err}", file=name) from None
        used += len(content)
        if used > budget:
            raise _bomb(name, budget, len(data), limits)
        files[member] = content
    return Package(name, files)


def _bomb(name: str, budget: int, size: int, limits: Limits) -> ImportRefused:
    return ImportRefused(
        f"expands to more than {human_size(budget)} ({human_size(size)} compressed; a package may expand to at most "
        f"{limits.max_ratio:g} times its size and {human_size(limits.max_expanded_bytes)}): refused as a zip bomb",
        file=name,
    )


def _read_folder(root: Path, limits: Limits) -> Package:
    files: dict[str, bytes] = {}
    used = 0
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        relative = path.relative_to(root).as_posix()
        if stat.S_ISLNK(info.st_mode):
            raise ImportRefused(f"{relative} is a symbolic link; a package holds only its own files", file=root.name)
        if stat.S_ISDIR(info.st_mode):
            continue
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(f"{relative} is not a regular file", file=root.name)
        if len(files) >= limits.max_members:
            raise ImportRefused(f"holds more than {limits.max_members} files", file=root.name)
        used += info.st_size
        if used > limits.max_expanded_bytes:
            raise ImportRefused(
                f"holds more than {human_size(limits.max_expanded_bytes)} of files, the most a package may",
                file=root.name,
            )
        files[relative] = path.read_bytes()
    return Package(root.name, files)


def open_package(source: Path | bytes, limits: Limits, name: str = "package") -> Package:
    """The files of a zip archive or a folder, refusing a hostile or oversized one whole.

    Parameters
    ----------
    source : Path or bytes
        A folder, a zip file, or a zip archive's bytes (an upload).
    limits : Limits
        Sizes accepted.
    name : str
        What to call bytes in messages (a path is called by its base name).

    Returns
    -------
    Package

    Raises
    ------
    ImportRefused
        A member whose path leaves the package (absolute, ``..``), a symbolic
        link, an encrypted member, a file or archive larger than the limits, an
        archive that expands beyond ``max_ratio`` times its size, or something
        that is neither a folder nor a zip archive.
    """
    if isinstance(source, bytes):
        limits.check_size(len(source), name)
        return _read_zip(source, name, limits)
    if source.is_symlink():
        raise ImportRefused("is a symbolic link; give the folder or archive itself", file=source.name)
    if source.is_dir():
        return _read_folder(source, limits)
    if not source.exists():
        raise ImportRefused("no such file or folder", file=str(source))
    return _read_zip(read_limited(source, limits), source.name, limits)
