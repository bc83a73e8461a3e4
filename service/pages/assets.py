"""``/assets/items/{item_id}/{path}``: the media of an item (an image of its stem), for anyone logged in.

The files come from the bank (:mod:`itembank.item_assets`), never from a
disk path.  They are served with their stored media type, ``nosniff`` and
a sandboxing Content-Security-Policy, so an SVG opened on its own runs no
script.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from itembank.item_assets import get_asset
from service.deps import SessionDep
from service.pages.common import PageRoute, PageUser

router = APIRouter(prefix="/assets", route_class=PageRoute, include_in_schema=False)


@router.get("/items/{item_id}/{path:path}")
def item_asset(
    item_id: str = Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$"),
    path: str = Path(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f\x7f]+$"),
    *,
    session: SessionDep,
    _: PageUser,
):
    asset = get_asset(session, item_id, path)
    return Response(
        asset.data,
        media_type=asset.media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'",
            "Cache-Control": "private, max-age=3600",
        },
    )
