# SPDX-License-Identifier: MIT
"""/openapi.json is a valid OpenAPI 3.1 document that matches the routes
served; /docs is a self-contained HTML page."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from api_helpers import PROBLEM_SLUGS, unique_rid

METHODS = ("get", "put", "post", "delete", "patch")
REQUIRED = {
    "/healthz": {"get"},
    "/readyz": {"get"},
    "/metrics": {"get"},
    "/openapi.json": {"get"},
    "/docs": {"get"},
    "/v1/keys": {"get", "post"},
    "/v1/keys/{id}": {"delete"},
}


@pytest.fixture(scope="module")
def spec(shared) -> dict:
    r = shared.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    return r.json()


def test_openapi_document_is_valid_3_1(spec):
    assert str(spec.get("openapi", "")).startswith("3.1"), spec.get("openapi")
    validate(spec)
    assert spec["info"]["title"] and spec["info"]["version"]


def test_openapi_version_matches_healthz(shared, spec):
    assert spec["info"]["version"] == shared.get("/healthz").json()["version"]


def test_openapi_documents_every_route(spec):
    paths = spec.get("paths") or {}
    for path, methods in REQUIRED.items():
        assert path in paths, f"{path} not documented"
        documented = {m for m in paths[path] if m in METHODS}
        assert methods <= documented, (path, documented)


def test_openapi_documents_bearer_auth(spec):
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    bearer = [name for name, s in schemes.items()
              if s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"]
    assert bearer, schemes
    op = spec["paths"]["/v1/keys"]["get"]
    security = op.get("security", spec.get("security")) or []
    assert any(set(req) & set(bearer) for req in security), security
    assert "201" in (spec["paths"]["/v1/keys"]["post"].get("responses") or {})


def norm(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x_fake01ZZZZZZZZZZZZZZZZZZZZZZZZ", path)


def test_every_documented_operation_is_served(shared, spec, admin_key):
    """No documented path+method is unknown to the router (404 "unmatched")
    or answered 405."""
    bad = []
    for path, item in spec["paths"].items():
        for method in (m for m in item if m in METHODS):
            rid = unique_rid("oas")
            kw = {"headers": {"X-Request-ID": rid}}
            if method in ("post", "put", "patch"):
                kw["json"] = {}
            r = shared.request(method.upper(), fill(path), admin_key, **kw)
            lines = shared.access_logs(rid)
            route = lines[0].get("route") if lines else None
            if r.status_code == 405 or route is None or norm(route) != norm(path):
                bad.append((method.upper(), path, r.status_code, route))
    assert bad == []


def test_docs_page_is_self_contained_html(shared):
    r = shared.get("/docs")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/html"
    html = r.text
    assert "<html" in html.lower()
    assert "openapi.json" in html
    own = {f"127.0.0.1:{shared.port}", f"localhost:{shared.port}"}
    refs = re.findall(r"""(?:src|href|action)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""",
                      html, re.I)
    refs += re.findall(r"""url\(\s*["']?((?:https?:)?//[^"')\s]+)""", html, re.I)
    refs += re.findall(r"""(?:import|from)\s*\(?\s*["']((?:https?:)?//[^"']+)""", html)
    refs += re.findall(r"""fetch\(\s*["']((?:https?:)?//[^"']+)""", html)
    external = [u for u in refs if re.sub(r"^(?:https?:)?//", "", u).split("/")[0] not in own]
    assert external == [], external


def test_problem_type_links_resolve_in_docs(shared):
    """Every problem `type` (/docs#problem-<slug>) names an anchor of /docs."""
    html = shared.get("/docs").text
    for slug in PROBLEM_SLUGS.values():
        assert re.search(rf"""(?:id|name)\s*=\s*["']problem-{slug}["']""", html), slug
