"""The OpenAPI document against what the routes answer, beyond what schemathesis happens to generate."""

from __future__ import annotations

import re

from tests.service.conftest import auth


def test_an_unreadable_json_body_is_a_documented_4xx_on_every_operation(client, world, app):
    """A JSON body that is not UTF-8 is refused (400 before the route, or 422 naming the body), as documented."""
    document = app.openapi()
    headers = {**auth(world, "admin"), "Content-Type": "application/json"}
    wrong = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = client.request(method.upper(), url, content=b"8\xff\xfeo@", headers=headers)
            if response.status_code not in (400, 422) or str(response.status_code) not in operation["responses"]:
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert not wrong, f"unreadable bodies answered otherwise than documented: {wrong}"
