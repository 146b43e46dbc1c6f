# SPDX-License-Identifier: MIT
"""API keys: CRUD, validation, pagination, scopes, revocation, tenant
isolation and authentication failures."""
from __future__ import annotations

import datetime as dt
import json
import secrets
import string
import threading
import time

import pytest
import requests

from api_helpers import (KEY_ID_RE, KEY_RE, TIME_RE, assert_field_errors, assert_problem,
                         auth, text)

KEY_FIELDS = {"id", "name", "scopes", "prefix", "created_at", "last_used_at"}
B62 = string.ascii_letters + string.digits


def b62(n: int) -> str:
    return "".join(secrets.choice(B62) for _ in range(n))


def random_key() -> str:
    return f"sal_{b62(8)}_{b62(43)}"


def create(srv, key, name="k", scopes=("read",), **kw):
    return srv.post("/v1/keys", key, json={"name": name, "scopes": list(scopes)}, **kw)


def list_all(srv, key, limit=100) -> list[dict]:
    items, cursor = [], None
    for _ in range(1000):
        q = f"/v1/keys?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = srv.get(q, key)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    pytest.fail("pagination does not end")


def parse_time(s: str) -> dt.datetime:
    assert TIME_RE.match(s), s
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def assert_key_object(obj: dict, with_secret: bool) -> None:
    assert KEY_FIELDS <= set(obj), obj
    assert KEY_ID_RE.match(obj["id"]), obj
    assert isinstance(obj["name"], str)
    assert isinstance(obj["scopes"], list) and obj["scopes"]
    assert obj["scopes"] == [s for s in ("admin", "write", "read") if s in obj["scopes"]], obj
    assert len(obj["prefix"]) == 12 and obj["prefix"].startswith("sal_"), obj
    created = parse_time(obj["created_at"])
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - created).total_seconds()) < 600, obj
    assert obj["last_used_at"] is None or TIME_RE.match(obj["last_used_at"]), obj
    if with_secret:
        assert KEY_RE.match(obj["key"]), obj
        assert obj["key"][:12] == obj["prefix"]
    else:
        assert "key" not in obj, obj
        for v in obj.values():
            assert not (isinstance(v, str) and KEY_RE.match(v)), obj


@pytest.fixture
def fresh(server):
    """A fresh server and an admin key object for tenant acme on it."""
    srv = server()
    return srv, srv.create_key(tenant="acme", name="root")


# ---- create --------------------------------------------------------------------

def test_create_key_returns_201_key_object_and_location(shared, admin_key):
    r = create(shared, admin_key, name="laptop", scopes=["read", "admin", "write"])
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"].split(";")[0].strip() == "application/json"
    obj = r.json()
    assert_key_object(obj, with_secret=True)
    assert obj["name"] == "laptop"
    assert obj["scopes"] == ["admin", "write", "read"]
    assert obj["last_used_at"] is None
    assert r.headers.get("Location") == f"/v1/keys/{obj['id']}"


def test_created_key_works_at_once_and_ids_are_unique(shared, admin_key):
    objs = [create(shared, admin_key, name=f"n{i}", scopes=["admin"]).json() for i in range(3)]
    assert len({o["id"] for o in objs}) == 3
    assert len({o["key"] for o in objs}) == 3
    for o in objs:
        assert shared.get("/v1/keys?limit=1", o["key"]).status_code == 200


def test_cli_key_object_shape(shared, admin):
    assert_key_object(admin, with_secret=True)
    assert admin["scopes"] == ["admin", "write", "read"]


def test_list_never_shows_secrets(shared, admin_key):
    made = create(shared, admin_key, name="secret-check", scopes=["read"]).json()
    r = shared.get("/v1/keys?limit=100", admin_key)
    assert r.status_code == 200
    assert made["key"] not in r.text and admin_key not in r.text
    for item in list_all(shared, admin_key):
        assert_key_object(item, with_secret=False)
    ids = [i["id"] for i in list_all(shared, admin_key)]
    assert made["id"] in ids


def test_last_used_at_is_set_after_use(fresh):
    srv, root = fresh
    made = create(srv, root["key"], name="user", scopes=["admin"]).json()
    item = next(i for i in list_all(srv, root["key"]) if i["id"] == made["id"])
    assert item["last_used_at"] is None
    assert srv.get("/v1/keys?limit=1", made["key"]).status_code == 200
    deadline = time.monotonic() + 3
    while True:
        item = next(i for i in list_all(srv, root["key"]) if i["id"] == made["id"])
        if item["last_used_at"] is not None or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert item["last_used_at"] is not None
    used = parse_time(item["last_used_at"])
    assert abs((dt.datetime.now(dt.timezone.utc) - used).total_seconds()) < 600


# ---- validation -------------------------------------------------------------------

@pytest.mark.parametrize("doc,fields", [
    ({"scopes": ["read"]}, ["name"]),
    ({"name": "x"}, ["scopes"]),
    ({"name": "", "scopes": ["read"]}, ["name"]),
    ({"name": "x" * 101, "scopes": ["read"]}, ["name"]),
    ({"name": "é" * 101, "scopes": ["read"]}, ["name"]),
    ({"name": "x", "scopes": []}, ["scopes"]),
    ({"name": "x", "scopes": ["read", "read"]}, ["scopes"]),
    ({"name": "x", "scopes": ["root"]}, ["scopes"]),
    ({"name": "x", "scopes": ["READ"]}, ["scopes"]),
    ({"name": "x", "scopes": [""]}, ["scopes"]),
    ({"name": "x", "scopes": ["read"], "extra": 1}, ["extra"]),
    ({"name": "x", "scopes": ["read"], "key": "sal_x"}, ["key"]),
    ({"name": "", "scopes": [], "bogus": True}, ["name", "scopes", "bogus"]),
])
def test_create_validation_errors(shared, admin_key, doc, fields):
    r = shared.post("/v1/keys", admin_key, data=json.dumps(doc),
                    headers={"Content-Type": "application/json"})
    assert_field_errors(assert_problem(r, 400, instance="/v1/keys"), *fields)


@pytest.mark.parametrize("name", ["x" * 100, "é" * 100, "a"])
def test_name_length_boundaries_accepted(shared, admin_key, name):
    r = create(shared, admin_key, name=name)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == name


# ---- pagination ---------------------------------------------------------------------

def make_keys(srv, key, n) -> list[str]:
    ids = []
    for i in range(n):
        r = create(srv, key, name=f"page-{i:02d}", scopes=["read"])
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_pagination_has_no_skips_or_repeats(fresh):
    srv, root = fresh
    expected = set(make_keys(srv, root["key"], 24)) | {root["id"]}
    assert len(expected) == 25

    seen, cursor, pages = [], None, []
    while True:
        q = "/v1/keys?limit=7" + (f"&cursor={cursor}" if cursor else "")
        r = srv.get(q, root["key"])
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) >= {"items", "next_cursor"}
        pages.append(len(body["items"]))
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
        assert len(pages) < 10
    assert len(seen) == len(set(seen)), "an item repeated across pages"
    assert set(seen) == expected
    assert pages == [7, 7, 7, 4], pages


def test_default_and_max_limits(fresh):
    srv, root = fresh
    make_keys(srv, root["key"], 24)
    body = srv.get("/v1/keys", root["key"]).json()
    assert len(body["items"]) == 20
    assert isinstance(body["next_cursor"], str)
    rest = srv.get(f"/v1/keys?cursor={body['next_cursor']}", root["key"]).json()
    assert len(rest["items"]) == 5 and rest["next_cursor"] is None
    body = srv.get("/v1/keys?limit=100", root["key"]).json()
    assert len(body["items"]) == 25 and body["next_cursor"] is None
    body = srv.get("/v1/keys?limit=1", root["key"]).json()
    assert len(body["items"]) == 1 and isinstance(body["next_cursor"], str)


def test_pagination_is_stable_under_inserts_and_revocations(fresh):
    srv, root = fresh
    k = root["key"]
    originals = make_keys(srv, k, 14) + [root["id"]]
    first = srv.get("/v1/keys?limit=5", k).json()
    seen = [i["id"] for i in first["items"]]
    # A new key and a revoked one that the first page has not shown.
    make_keys(srv, k, 1)
    victim = next(i for i in originals if i not in seen and i != root["id"])
    assert srv.delete(f"/v1/keys/{victim}", k).status_code == 204
    cursor = first["next_cursor"]
    while cursor:
        body = srv.get(f"/v1/keys?limit=5&cursor={cursor}", k).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen))
    assert victim not in seen
    assert set(originals) - {victim} <= set(seen)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=-1", "limit=abc", "limit=1.5",
                                   "limit=", "limit=99999999999999999999"])
def test_bad_limit_is_400(shared, admin_key, query):
    assert_problem(shared.get(f"/v1/keys?{query}", admin_key), 400, instance="/v1/keys")


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "a" * 300, "%00", "eyJpZCI6MX0"])
def test_garbage_cursor_is_400(shared, admin_key, cursor):
    assert_problem(shared.get(f"/v1/keys?cursor={cursor}", admin_key), 400,
                   instance="/v1/keys")


# ---- scopes ----------------------------------------------------------------------------

@pytest.mark.parametrize("scopes", ["read", "write", "read,write"])
def test_keys_endpoints_need_admin_scope(shared, scopes):
    k = shared.create_key(tenant="acme", name=f"scoped-{scopes}", scopes=scopes)["key"]
    assert_problem(shared.get("/v1/keys", k), 403, instance="/v1/keys")
    assert_problem(create(shared, k, name="nope"), 403, instance="/v1/keys")
    path = "/v1/keys/key_01ZZZZZZZZZZZZZZZZZZZZZZZZ"
    assert_problem(shared.delete(path, k), 403, instance=path)


def test_admin_only_key_is_enough_for_keys(shared, admin_key):
    k = create(shared, admin_key, name="admin-only", scopes=["admin"]).json()["key"]
    assert shared.get("/v1/keys", k).status_code == 200


# ---- authentication failures ---------------------------------------------------------------

def assert_401(r, presented: str | None = None) -> None:
    assert_problem(r, 401, instance="/v1/keys")
    www = r.headers.get("WWW-Authenticate", "")
    assert www.lower().startswith("bearer"), www
    if presented:
        assert presented not in r.text


def test_missing_key_is_401(shared):
    assert_401(shared.get("/v1/keys"))


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Bearer garbage", "Basic dXNlcjpwYXNz", "garbage",
    "Bearer sal_", "Bearer sal_abcdefgh_", "Bearer sal_abcdefgh_" + "!" * 43,
])
def test_malformed_authorization_is_401(shared, header):
    assert_401(shared.get("/v1/keys", headers={"Authorization": header}))


def test_unknown_well_formed_key_is_401(shared):
    k = random_key()
    assert_401(shared.get("/v1/keys", k), k)
    assert_401(shared.get("/v1/keys", headers={"X-API-Key": k}), k)


def test_right_prefix_wrong_secret_is_401(shared, admin_key):
    last = "A" if admin_key[-1] != "A" else "B"
    forged = admin_key[:-1] + last
    assert_401(shared.get("/v1/keys", forged), forged)
    assert_401(shared.get("/v1/keys", admin_key[:-1]), admin_key[:-1])
    assert_401(shared.get("/v1/keys", admin_key + "x"), admin_key + "x")


def test_key_in_wrong_scheme_is_401(shared, admin_key):
    assert_401(shared.get("/v1/keys", headers={"Authorization": f"Token {admin_key}"}),
               admin_key)


def test_x_api_key_header_is_accepted(shared, admin_key):
    r = shared.get("/v1/keys?limit=1", headers={"X-API-Key": admin_key})
    assert r.status_code == 200, r.text
    assert_401(shared.get("/v1/keys", headers={"X-API-Key": "nonsense"}))


# ---- revocation --------------------------------------------------------------------------

def test_revoked_key_gets_401_on_its_next_request(shared, admin_key):
    made = create(shared, admin_key, name="to-revoke", scopes=["admin", "read"]).json()
    assert shared.get("/v1/keys?limit=1", made["key"]).status_code == 200
    r = shared.delete(f"/v1/keys/{made['id']}", admin_key)
    assert r.status_code == 204
    assert r.content == b""
    assert_401(shared.get("/v1/keys?limit=1", made["key"]), made["key"])
    ids = [i["id"] for i in list_all(shared, admin_key)]
    assert made["id"] not in ids


def test_revoking_twice_or_unknown_is_404(shared, admin_key):
    made = create(shared, admin_key, name="twice").json()
    assert shared.delete(f"/v1/keys/{made['id']}", admin_key).status_code == 204
    path = f"/v1/keys/{made['id']}"
    assert_problem(shared.delete(path, admin_key), 404, instance=path)
    for fake in ("key_01ZZZZZZZZZZZZZZZZZZZZZZZZ", "nonsense", "src_01ZZZZZZZZZZZZZZZZZZZZZZZZ"):
        assert_problem(shared.delete(f"/v1/keys/{fake}", admin_key), 404,
                       instance=f"/v1/keys/{fake}")


def test_key_can_revoke_itself(shared, admin_key):
    made = create(shared, admin_key, name="self", scopes=["admin"]).json()
    assert shared.delete(f"/v1/keys/{made['id']}", made["key"]).status_code == 204
    assert_401(shared.get("/v1/keys", made["key"]))


def test_cli_revoke_unknown_id_fails(shared):
    cp = shared.cli("keys", "revoke", "key_01ZZZZZZZZZZZZZZZZZZZZZZZZ")
    out, err = text(cp)
    assert cp.returncode != 0
    assert err.strip()


def test_concurrent_creates_and_reads(shared, admin_key):
    """Parallel writers and readers on the store all succeed (no
    "database is locked" 500s), and every created id is distinct."""
    created, errors = [], []

    def worker(n: int) -> None:
        with requests.Session() as sess:
            for i in range(10):
                try:
                    if i % 2 == 0:
                        r = sess.post(shared.url("/v1/keys"), headers=auth(admin_key),
                                      json={"name": f"conc-{n}-{i}", "scopes": ["read"]},
                                      timeout=10)
                        if r.status_code == 201:
                            created.append(r.json()["id"])
                        else:
                            errors.append((r.status_code, r.text[:200]))
                    else:
                        r = sess.get(shared.url("/v1/keys?limit=5"), headers=auth(admin_key),
                                     timeout=10)
                        if r.status_code != 200:
                            errors.append((r.status_code, r.text[:200]))
                except requests.RequestException as e:
                    errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(created) == 40 and len(set(created)) == 40


def test_cli_revocation_takes_effect_at_once(shared, admin_key):
    made = create(shared, admin_key, name="cli-revoke", scopes=["admin"]).json()
    assert shared.get("/v1/keys?limit=1", made["key"]).status_code == 200
    cp = shared.cli("keys", "revoke", made["id"])
    assert cp.returncode == 0, text(cp)[1]
    assert_401(shared.get("/v1/keys?limit=1", made["key"]))


# ---- tenants ---------------------------------------------------------------------------------

def test_tenants_are_isolated(fresh):
    srv, acme = fresh
    globex = srv.create_key(tenant="globex", name="root")
    acme_other = create(srv, acme["key"], name="acme-2", scopes=["read"]).json()
    globex_other = create(srv, globex["key"], name="globex-2", scopes=["read"]).json()

    # keys create for an existing tenant name joins that tenant.
    acme_cli = srv.create_key(tenant="acme", name="second-cli", scopes="admin")
    assert acme["id"] in {i["id"] for i in list_all(srv, acme_cli["key"])}
    assert srv.delete(f"/v1/keys/{acme_cli['id']}", acme["key"]).status_code == 204

    acme_ids = {i["id"] for i in list_all(srv, acme["key"])}
    globex_ids = {i["id"] for i in list_all(srv, globex["key"])}
    assert acme_ids == {acme["id"], acme_other["id"]}
    assert globex_ids == {globex["id"], globex_other["id"]}

    # A cursor from one tenant's listing shows another tenant nothing of it.
    first = srv.get("/v1/keys?limit=1", acme["key"]).json()
    assert first["next_cursor"]
    r = srv.get(f"/v1/keys?limit=100&cursor={first['next_cursor']}", globex["key"])
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        assert {i["id"] for i in r.json()["items"]} <= globex_ids

    # Another tenant's key id is "not found", and the key keeps working.
    for target in (acme["id"], acme_other["id"]):
        path = f"/v1/keys/{target}"
        assert_problem(srv.delete(path, globex["key"]), 404, instance=path)
    assert srv.get("/v1/keys?limit=1", acme["key"]).status_code == 200
    assert acme_other["id"] in {i["id"] for i in list_all(srv, acme["key"])}


def test_cli_keys_create_prints_only_the_key(shared):
    cp = shared.cli("keys", "create", "--tenant", "acme", "--name", "plain", "--scopes", "read")
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert out.endswith("\n")
    lines = out.splitlines()
    assert len(lines) == 1 and KEY_RE.match(lines[0]), out
    assert err.strip(), "details go to stderr"


def test_cli_keys_list(shared, admin):
    srv, root = shared, admin
    extra = create(srv, root["key"], name="listed", scopes=["write"]).json()
    cp = srv.cli("keys", "list", "--tenant", "acme", "--json")
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert root["key"] not in out and extra["key"] not in out
    doc = json.loads(out)
    items = doc["items"] if isinstance(doc, dict) else doc
    ids = {i["id"] for i in items}
    assert {root["id"], extra["id"]} <= ids
    cp = srv.cli("keys", "list", "--tenant", "acme")
    out, err = text(cp)
    assert cp.returncode == 0, err
    assert extra["id"] in out or extra["prefix"] in out
    assert root["key"] not in out + err and extra["key"] not in out + err


@pytest.mark.parametrize("scopes", ["root", "", "read,,write", "read,read"])
def test_cli_keys_create_rejects_bad_scopes(shared, scopes):
    cp = shared.cli("keys", "create", "--tenant", "acme", "--name", "x", "--scopes", scopes)
    out, err = text(cp)
    assert cp.returncode != 0
    assert out == ""
    assert err.strip()
