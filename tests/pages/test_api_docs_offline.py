"""``/docs`` and ``/redoc`` work without internet: their files come from the app itself."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest


@pytest.mark.parametrize(
    ("path", "script"), [("/docs", "/docs/static/swagger-ui-bundle.js"), ("/redoc", "/docs/redoc.standalone.js")]
)
def test_api_docs_reference_only_same_origin_assets_and_they_are_served(client, path, script):
    r = client.get(path)
    assert r.status_code == 200
    tree = lxml.html.fromstring(r.text)
    assets = [*tree.xpath("//script/@src"), *tree.xpath("//link/@href"), *tree.xpath("//img/@src")]
    assert script in assets
    for url in assets:
        absolute = urljoin("http://testserver" + path, url)
        assert urlsplit(absolute).netloc == "testserver", f"{path} loads {url} from another host"
        served = client.get(absolute)
        assert served.status_code == 200 and served.content, url
        assert b"cdn.redoc.ly" not in served.content, f"{url} loads ReDoc's logo from its CDN"
    assert "http" not in r.headers["content-security-policy"]
