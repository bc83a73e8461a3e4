"""Media kept with items: the images, audio and other files an imported item's stem shows.

An item imported from a QTI package keeps the files its body refers to
(``images/graph.png``) as :class:`ItemAsset` rows, served to the pages by
``/assets/items/{item_id}/{path}`` and written again into exported
packages.  Paths are the package's relative paths, checked on import; they
are names in this table, never paths on a disk.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, select

from itembank.errors import NotFound

__all__ = ["ItemAsset", "put_asset", "get_asset", "item_assets"]


class ItemAsset(SQLModel, table=True):
    """A file an item shows."""

    __tablename__ = "item_asset"

    item_id: str = Field(foreign_key="item.id", primary_key=True, max_length=64)
    path: str = Field(primary_key=True, max_length=300)
    media_type: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


def put_asset(session: Session, item_id: str, path: str, media_type: str, data: bytes) -> bool:
    """Store or replace an item's file; True when something changed (not committed)."""
    digest = hashlib.sha256(data).hexdigest()
    row = session.get(ItemAsset, (item_id, path))
    if row is not None and row.sha256 == digest and row.media_type == media_type:
        return False
    if row is None:
        row = ItemAsset(item_id=item_id, path=path, media_type=media_type, sha256=digest, data=data)
    else:
        row.media_type, row.sha256, row.data = media_type, digest, data
    session.add(row)
    return True


def get_asset(session: Session, item_id: str, path: str) -> ItemAsset:
    """The file ``path`` of item ``item_id``; :class:`NotFound` otherwise."""
    row = session.get(ItemAsset, (item_id, path))
    if row is None:
        raise NotFound(f"item {item_id} has no file {path}")
    return row


def item_assets(session: Session, item_id: str) -> list[ItemAsset]:
    """Every file of an item, by path."""
    return list(session.exec(select(ItemAsset).where(ItemAsset.item_id == item_id).order_by(ItemAsset.path)).all())
