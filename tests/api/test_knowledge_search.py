# SPDX-License-Identifier: MIT
"""POST /v1/knowledge/search: response shape in each mode, unique phrases
found first (lexical, hybrid) on the right file/page, paraphrases found by
vector search, filters, highlights, validation, tenant isolation, scopes.

One server per module: tenant "acme" holds the four samples plus a tagged
note; tenant "globex" holds a document that shares acme's marker words, so
isolation is visible in the results.
"""
from __future__ import annotations

import pytest

from api_helpers import assert_field_errors, assert_problem
from knowledge_helpers import (CONCEPT_TYPES, MARKERS, PARAPHRASES, SAMPLE_FILES, ingest_samples,
                               ingest_text, search, search_ok)

MODES = ["hybrid", "vector", "lexical"]
NOTE = ("Field note from the Denver team: the Bramblecrest report and the Discount Desk came up "
        "again. Escalate <script>alert('x')</script> Skylark renewals & upsells to the CRO.")
GLOBEX_DOC = ("Globex internal memo. Bramblecrest, Ironbridge and Tidewater are code names of "
              "Globex projects, nothing to do with any vendor.")


@pytest.fixture(scope="module")
def env(server_module):
    srv = server_module()
    acme = srv.create_key(tenant="acme", name="search-admin")["key"]
    globex = srv.create_key(tenant="globex", name="globex-admin")["key"]
    samples = ingest_samples(srv, acme)
    note = ingest_text(srv, acme, NOTE, title="Denver field note", source_type="other",
                       tags=["field", "denver"])
    other = ingest_text(srv, globex, GLOBEX_DOC, title="Globex memo", source_type="other")
    return {"srv": srv, "acme": acme, "globex": globex, "samples": samples, "note": note,
            "globex_doc": other}


@pytest.fixture(scope="module")
def srv(env):
    return env["srv"]


@pytest.fixture(scope="module")
def key(env):
    return env["acme"]


@pytest.fixture(scope="module")
def by_id(env):
    m = {s["id"]: name for name, s in env["samples"].items()}
    m[env["note"]["id"]] = "note"
    return m


# ---- shape ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_each_mode_returns_shaped_results(srv, key, env, by_id, mode):
    body = search_ok(srv, key, "how do we shorten ramp time for new reps", mode=mode)
    results = body["results"]
    assert results, body
    assert len(results) <= 10
    for h in results:
        assert h["source_id"] in by_id, h
        name = by_id[h["source_id"]]
        if name != "note":
            assert h["filename"] == name
            assert h["source_title"] == SAMPLE_FILES[name][0]
        s = h["scores"]
        if mode == "vector":
            assert -1.0 <= s["vector"] <= 1.0 and s["vector"] != 0, h
            assert h["score"] == pytest.approx(s["vector"], abs=1e-6)
        elif mode == "lexical":
            assert s["lexical"] > 0, h
            assert h["score"] == pytest.approx(s["lexical"], abs=1e-6)
            assert any("<mark>" in x and "</mark>" in x for x in h["highlights"]), h
        else:
            assert 0 < s["fused"] <= 2 / 61 + 1e-9, h  # reciprocal rank fusion, k = 60
            if s["lexical"] > 0:
                assert any("<mark>" in x for x in h["highlights"]), h
        # The hit's text is its chunk's text.
        chunk = srv.get(f"/v1/knowledge/chunks/{h['chunk_id']}", key).json()
        assert chunk["text"] == h["text"] and chunk["source_id"] == h["source_id"]
        assert chunk["page"] == h["page"] and chunk["section"] == h["section"]
        assert sorted(c["id"] for c in chunk["concepts"]) == sorted(c["id"] for c in h["concepts"])


def test_default_mode_is_hybrid_and_top_k_10(srv, key):
    r = srv.post("/v1/knowledge/search", key, json={"query": "Northwind Relay"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "hybrid"
    assert len(body["results"]) == 10  # the samples have well over 10 chunks


@pytest.mark.parametrize("top_k", [1, 3, 100])
def test_top_k_bounds_results(srv, key, env, top_k):
    body = search_ok(srv, key, "Northwind Relay", top_k=top_k, mode="vector")
    n = sum(s["chunk_count"] for s in env["samples"].values()) + env["note"]["chunk_count"]
    assert len(body["results"]) == min(top_k, n)  # vector search ranks every chunk


@pytest.mark.parametrize("marker,name,page,heading", MARKERS)
@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_unique_phrase_ranks_its_sample_first(srv, key, by_id, marker, name, page, heading,
                                              mode):
    body = search_ok(srv, key, marker, mode=mode)
    assert body["results"], body
    top = body["results"][0]
    assert by_id.get(top["source_id"]) in (name, "note"), (marker, top["filename"])
    if by_id.get(top["source_id"]) == "note":  # the note repeats two markers on purpose
        top = next(h for h in body["results"] if by_id.get(h["source_id"]) == name)
    assert marker.lower() in top["text"].lower()
    if page is not None:
        assert top["page"] == page, (marker, top["page"])


def test_unique_phrase_highlights_mark_the_words(srv, key):
    top = search_ok(srv, key, "Bramblecrest", mode="lexical")["results"][0]
    assert any("<mark>Bramblecrest</mark>" in x for x in top["highlights"]), top["highlights"]


def test_highlights_escape_html(srv, key, env):
    hits = search_ok(srv, key, "Skylark renewals", mode="lexical")["results"]
    h = next(h for h in hits if h["source_id"] == env["note"]["id"])
    joined = " ".join(h["highlights"])
    assert "<mark>Skylark</mark>" in joined, joined
    assert "<script>" not in joined and "</script>" not in joined, joined
    if "script" in joined:
        assert "&lt;" in joined, joined
    if "upsells" in joined:
        assert "&amp; upsells" in joined, joined
    assert "<script>" in h["text"]  # the text itself is returned as stored


@pytest.mark.parametrize("query,name", PARAPHRASES)
def test_paraphrase_finds_the_document_in_vector_mode(srv, key, by_id, query, name):
    body = search_ok(srv, key, query, mode="vector", top_k=5)
    assert by_id.get(body["results"][0]["source_id"]) == name, \
        [(by_id.get(h["source_id"]), h["scores"]["vector"]) for h in body["results"]]


def test_paraphrase_has_no_lexical_match_on_its_target(srv, key, by_id):
    """The paraphrases really share no word with the samples' passages they
    are about, so the vector test above is not a lexical one in disguise."""
    query, name = PARAPHRASES[0]
    res = search_ok(srv, key, query, mode="lexical", top_k=100)["results"]
    pages = [h["page"] for h in res if by_id.get(h["source_id"]) == name]
    assert 3 not in pages, pages


# ---- filters ---------------------------------------------------------------------

def test_filter_source_ids(srv, key, env):
    pdf = env["samples"]["product-sheet.pdf"]["id"]
    faq = env["samples"]["faq.md"]["id"]
    for mode in MODES:
        body = search_ok(srv, key, "security and data", mode=mode, top_k=50,
                         filters={"source_ids": [pdf, faq]})
        assert body["results"]
        assert {h["source_id"] for h in body["results"]} <= {pdf, faq}, mode


def test_filter_source_types(srv, key, env):
    pptx = env["samples"]["case-study.pptx"]["id"]
    body = search_ok(srv, key, "Northwind Relay", top_k=50, filters={"source_types": ["case_study"]})
    assert body["results"] and {h["source_id"] for h in body["results"]} == {pptx}
    body = search_ok(srv, key, "Northwind Relay", top_k=50,
                     filters={"source_types": ["battlecard"]})
    assert body["results"] == []


def test_filter_tags(srv, key, env):
    body = search_ok(srv, key, "Bramblecrest Discount Desk", top_k=50,
                     filters={"tags": ["denver"]})
    assert body["results"] and {h["source_id"] for h in body["results"]} == {env["note"]["id"]}
    body = search_ok(srv, key, "Northwind Relay", top_k=50, filters={"tags": ["2026"]})
    want = {env["samples"]["product-sheet.pdf"]["id"], env["samples"]["pricing-playbook.docx"]["id"]}
    assert body["results"] and {h["source_id"] for h in body["results"]} <= want


def test_filter_concept_types(srv, key):
    body = search_ok(srv, key, "what does it cost per seat", top_k=20, mode="hybrid",
                     filters={"concept_types": ["price"]})
    assert body["results"]
    for h in body["results"]:
        assert "price" in {c["type"] for c in h["concepts"]}, h


def test_filters_combine(srv, key, env):
    docx = env["samples"]["pricing-playbook.docx"]["id"]
    body = search_ok(srv, key, "discount", top_k=50, mode="lexical",
                     filters={"source_ids": [docx], "source_types": ["faq"]})
    assert body["results"] == []
    body = search_ok(srv, key, "discount", top_k=50, mode="lexical",
                     filters={"source_ids": [docx], "source_types": ["pricing"], "tags": ["pricing"],
                              "concept_types": []})
    assert body["results"] and {h["source_id"] for h in body["results"]} == {docx}


def test_empty_filters_are_no_filters(srv, key):
    a = search_ok(srv, key, "reply rate", mode="lexical")
    b = search_ok(srv, key, "reply rate", mode="lexical",
                  filters={"source_ids": [], "source_types": [], "tags": [], "concept_types": []})
    assert [h["chunk_id"] for h in a["results"]] == [h["chunk_id"] for h in b["results"]]


@pytest.mark.parametrize("filters,field", [
    ({"source_types": ["memo"]}, "filters"),
    ({"concept_types": ["gadget"]}, "filters"),
    ({"tags": "pricing"}, "filters"),
    ({"source_ids": [1]}, "filters"),
    ("everything", "filters"),
])
def test_bad_filters_are_400(srv, key, filters, field):
    body = assert_problem(search(srv, key, "pricing", filters=filters), 400)
    assert_field_errors(body, field)


def test_concept_type_names_are_accepted(srv, key):
    for t in CONCEPT_TYPES:
        assert search(srv, key, "pricing", filters={"concept_types": [t]}).status_code == 200, t


# ---- validation ------------------------------------------------------------------------

@pytest.mark.parametrize("top_k", [0, 101, -1, "5", 2.5, True, [5]])
def test_bad_top_k_is_400(srv, key, top_k):
    body = assert_problem(search(srv, key, "pricing", top_k=top_k), 400)
    assert_field_errors(body, "top_k")


@pytest.mark.parametrize("query", ["", "   ", None, 5, ["pricing"]])
def test_bad_query_is_400(srv, key, query):
    body = assert_problem(search(srv, key, query), 400)
    assert_field_errors(body, "query")


def test_missing_query_is_400(srv, key):
    body = assert_problem(srv.post("/v1/knowledge/search", key, json={"top_k": 3}), 400)
    assert_field_errors(body, "query")


@pytest.mark.parametrize("mode", ["semantic", "", "HYBRID", 1])
def test_bad_mode_is_400(srv, key, mode):
    body = assert_problem(search(srv, key, "pricing", mode=mode), 400)
    assert_field_errors(body, "mode")


def test_broken_json_and_bad_utf8_are_400(srv, key):
    h = {"Content-Type": "application/json"}
    for raw in (b"{\"query\": ", b"[\"pricing\"]", b"{\"query\": \"caf\xc3\x28\"}"):
        assert_problem(srv.post("/v1/knowledge/search", key, data=raw, headers=h), 400)


def test_long_and_unicode_queries_do_not_break(srv, key):
    for q in ("Zürich données 価格 " * 3, "pricing " * 2000, "\u0000 pricing", "🙂🙂🙂"):
        r = search(srv, key, q)
        assert r.status_code in (200, 400), (r.status_code, r.text[:300])
        if r.status_code == 400:
            assert_problem(r, 400)
    assert srv.get("/healthz").status_code == 200


# ---- tenants and scopes -------------------------------------------------------------------

def test_other_tenant_never_sees_these_chunks(srv, env):
    acme_ids = {s["id"] for s in env["samples"].values()} | {env["note"]["id"]}
    for mode in MODES:
        res = search_ok(srv, env["globex"], "Bramblecrest Ironbridge Tidewater security pricing",
                        mode=mode, top_k=100)["results"]
        assert res and {h["source_id"] for h in res} == {env["globex_doc"]["id"]}, mode
        res = search_ok(srv, env["acme"], "Globex code names", mode=mode, top_k=100)["results"]
        assert env["globex_doc"]["id"] not in {h["source_id"] for h in res}, mode
        assert {h["source_id"] for h in res} <= acme_ids
    # Filtering on the other tenant's source id gives nothing, not its chunks.
    res = search_ok(srv, env["acme"], "Bramblecrest", top_k=100,
                    filters={"source_ids": [env["globex_doc"]["id"]]})["results"]
    assert res == []


def test_tenant_without_knowledge_gets_empty_results(srv):
    k = srv.create_key(tenant="empty-co", name="e")["key"]
    for mode in MODES:
        assert search_ok(srv, k, "pricing", mode=mode)["results"] == []


def test_read_key_may_search_write_key_may_not(srv, env):
    read = srv.create_key(tenant="acme", name="s-reader", scopes="read")["key"]
    write = srv.create_key(tenant="acme", name="s-writer", scopes="write")["key"]
    assert search_ok(srv, read, "Bramblecrest")["results"]
    assert_problem(search(srv, write, "Bramblecrest"), 403)
    assert_problem(search(srv, None, "Bramblecrest"), 401)
    assert_problem(search(srv, "sal_AAAAAAAA_" + "B" * 43, "Bramblecrest"), 401)


def test_search_is_get_405(srv, key):
    r = srv.get("/v1/knowledge/search", key)
    assert_problem(r, 405)


def test_results_have_no_duplicate_chunks(srv, key, env):
    for mode in MODES:
        res = search_ok(srv, key, "Northwind Relay pricing security", mode=mode,
                        top_k=100)["results"]
        keys = [(h["source_id"], h["text"]) for h in res]
        assert len(keys) == len(set(keys)), mode
        n = sum(s["chunk_count"] for s in env["samples"].values()) + env["note"]["chunk_count"]
        assert len(res) <= n
        if mode == "vector":
            assert len(res) == min(100, n)  # vector search ranks every chunk
