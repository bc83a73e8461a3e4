"""Hostile and oversized packages are refused whole, with a message naming the rule broken."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest

from interop.errors import ImportRefused
from interop.package import Limits, open_package


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_a_zip_is_read_into_its_members():
    package = open_package(_zip({"a.csv": b"x", "dir/b.xml": b"<a/>"}), Limits(), "p.zip")
    assert package.files == {"a.csv": b"x", "dir/b.xml": b"<a/>"}


@pytest.mark.parametrize(
    "name", ["../evil.csv", "a/../../evil.csv", "/etc/passwd", "C:/evil.csv", "..\\evil.csv"], ids=str
)
def test_a_member_leaving_the_package_is_refused(name):
    with pytest.raises(ImportRefused, match=r"^p\.zip: the member .* names a path outside the package$"):
        open_package(_zip({"ok.csv": b"x", name: b"x"}), Limits(), "p.zip")


def test_a_symbolic_link_member_is_refused():
    with pytest.raises(ImportRefused, match=r"^p\.zip: the member 'link\.csv' is a symbolic link$"):
        open_package(_zip({"ok.csv": b"x"}, symlink="link.csv"), Limits(), "p.zip")


def test_a_zip_bomb_is_refused():
    bomb = _zip({"users.csv": b"0" * (30 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(ImportRefused, match=r"^p\.zip: expands to more than .* refused as a zip bomb$"):
        open_package(bomb, Limits(), "p.zip")


def test_a_zip_that_lies_about_its_sizes_is_still_stopped():
    """The declared size is small; the data is not: reading stops at the budget."""
    bomb = bytearray(_zip({"users.csv": b"0" * (5 * 1024 * 1024)}))
    # patch the declared uncompressed size (central directory and local header) to 10 bytes
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = bomb.find(signature)
        bomb[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    with pytest.raises(ImportRefused, match=r"^p\.zip: (expands to more than|the member 'users\.csv' cannot be read)"):
        open_package(bytes(bomb), Limits(), "p.zip")


def test_a_file_over_the_configured_size_is_refused():
    data = _zip({"a.csv": os.urandom(3000)})
    with pytest.raises(ImportRefused, match=r"^p\.zip: the file is 3 KB; an import takes at most 1000 bytes$"):
        open_package(data, Limits(max_bytes=1000), "p.zip")


def test_not_a_zip_is_refused():
    with pytest.raises(ImportRefused, match=r"^p\.zip: is not a zip archive \(or a damaged one\)$"):
        open_package(b"PK not really", Limits(), "p.zip")


def test_a_folder_with_a_symbolic_link_is_refused(tmp_path):
    (tmp_path / "roster").mkdir()
    (tmp_path / "roster" / "users.csv").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "roster" / "orgs.csv")
    with pytest.raises(
        ImportRefused, match=r"^roster: orgs\.csv is a symbolic link; a package holds only its own files$"
    ):
        open_package(tmp_path / "roster", Limits())


def test_a_symbolic_link_to_a_package_is_refused(tmp_path):
    (tmp_path / "real.zip").write_bytes(_zip({"a.csv": b"x"}))
    os.symlink(tmp_path / "real.zip", tmp_path / "link.zip")
    with pytest.raises(ImportRefused, match=r"^link\.zip: is a symbolic link; give the folder or archive itself$"):
        open_package(tmp_path / "link.zip", Limits())
