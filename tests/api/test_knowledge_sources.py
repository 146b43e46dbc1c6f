# SPDX-License-Identifier: MIT
"""Knowledge sources: upload (multipart and JSON) → 202 pending + job →
ready, every field of the source object, dedupe per tenant, listing with
filters and pagination, chunks (ordinals, pages, sections, concepts),
concepts, jobs, delete, reindex, tenant isolation, scopes, and the
validation errors of the upload.

One server per module holds the four samples in tenant "acme"; tests that
need their own state use a fresh tenant on it (keys are per tenant).
"""
from __future__ import annotations

import pytest

from api_helpers import assert_field_errors, assert_problem
from knowledge_helpers import (CON_ID_RE, CONCEPT_FIELDS, CONCEPT_TYPES, FORMAT_MEDIA,
                               JOB_ID_RE, MARKERS, MEDIA, MODEL_ID, SAMPLE_FILES,
                               accepted, assert_chunk_object, assert_job_object,
                               assert_source_object, chunks_of, get_job, get_source,
                               ingest_samples, ingest_text, list_all, ready, sample_bytes,
                               search_ok, section_parts, sha256, unique_tenant, upload_file,
                               upload_sample, upload_text, wait_job, wait_source)


@pytest.fixture(scope="module")
def kn(server_module):
    """(server, acme admin key, {filename: ready source}) with the samples."""
    srv = server_module()
    key = srv.create_key(tenant="acme", name="kn-admin")["key"]
    return srv, key, ingest_samples(srv, key)


@pytest.fixture(scope="module")
def srv(kn):
    return kn[0]


@pytest.fixture(scope="module")
def key(kn):
    return kn[1]


@pytest.fixture(scope="module")
def samples(kn):
    return kn[2]


@pytest.fixture
def tenant_key(srv):
    """An admin,write,read key for a fresh tenant on the module server."""
    return srv.create_key(tenant=unique_tenant(), name="t")["key"]


# ---- the source object ---------------------------------------------------------

@pytest.mark.parametrize("name", list(SAMPLE_FILES))
def test_sample_source_object_has_every_field(samples, name):
    src = samples[name]
    title, stype, tags, pages = SAMPLE_FILES[name]
    data = sample_bytes(name)
    assert_source_object(src)
    assert src["title"] == title
    assert src["filename"] == name
    assert src["source_type"] == stype
    assert sorted(src["tags"]) == sorted(tags)
    assert src["sha256"] == sha256(data)
    assert src["size_bytes"] == len(data)
    suffix = name[name.rfind("."):]
    assert src["media_type"].split(";")[0].strip() == MEDIA[suffix], src
    if pages is not None:
        assert src["page_count"] == pages, src
    else:
        assert src["page_count"] in (None, 0), src
    assert src["status"] == "ready" and src["error"] in (None, "")
    assert src["embedding_model"] == MODEL_ID
    assert src["chunk_count"] > 0
    assert src["concept_count"] > 0, src
    assert src["processing_ms"] >= 0


def test_upload_response_is_202_pending_with_job(srv, tenant_key):
    r = upload_text(srv, tenant_key, "Quarterly enablement notes for the Relay Dialer rollout. "
                    "Reps in Denver call from local numbers.", title="Enablement notes")
    src = accepted(r)
    assert_source_object(src)
    assert src["title"] == "Enablement notes"
    assert src["chunk_count"] == 0 and src["embedding_model"] in (None, "")
    job = wait_job(srv, tenant_key, src["job_id"])
    assert_job_object(job, "ingest")
    assert job["id"] == src["job_id"] and job["status"] == "succeeded", job
    assert job["attempts"] == 1, job
    done = wait_source(srv, tenant_key, src["id"])
    assert done["status"] == "ready", done
    assert done["id"] == src["id"] and done["created_at"] == src["created_at"]
    assert done["updated_at"] >= src["updated_at"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_json_source_formats(srv, tenant_key, fmt):
    bodies = {
        "text": "Plain note about the Gullwing account. The Gullwing renewal is due in May.",
        "markdown": "# Gullwing renewal\n\n## Terms\n\nThe Gullwing renewal is due in May.\n",
        "html": "<html><head><title>x</title><style>p{}</style></head><body><h1>Gullwing "
                "renewal</h1><p>The Gullwing renewal is due in May.</p></body></html>",
    }
    body = bodies[fmt]
    src = ingest_text(srv, tenant_key, body, title=f"Gullwing {fmt}", fmt=fmt,
                      source_type="playbook", tags=["renewal", fmt])
    assert_source_object(src)
    assert src["media_type"].split(";")[0].strip() == FORMAT_MEDIA[fmt], src
    assert src["source_type"] == "playbook"
    assert sorted(src["tags"]) == sorted(["renewal", fmt])
    # JSON text: the hashed "bytes" are the UTF-8 text.
    assert src["sha256"] == sha256(body.encode()), src
    assert src["size_bytes"] == len(body.encode()), src
    assert src["filename"] in (None, ""), src
    chunks = chunks_of(srv, tenant_key, src["id"])
    joined = " ".join(c["text"] for c in chunks)
    assert "Gullwing renewal is due in May" in joined
    if fmt == "html":
        assert "<p>" not in joined and "p{}" not in joined, joined
    if fmt == "markdown":
        assert "#" not in joined, joined
        assert any("Terms" in section_parts(c["section"]) for c in chunks), chunks


def test_json_format_defaults_to_text_and_source_type_to_other(srv, tenant_key):
    r = srv.post("/v1/knowledge/sources", tenant_key,
                 json={"title": "Defaults", "text": "The Ospreyline pilot starts in June."})
    src = ready(srv, tenant_key, r)
    assert src["source_type"] == "other" and src["tags"] == []
    assert src["media_type"].split(";")[0] == "text/plain"


def test_multipart_title_defaults_and_tags_are_trimmed(srv, tenant_key):
    data = b"Kittiwake pricing note. The Kittiwake bundle lists at $59 per seat per month.\n"
    r = upload_file(srv, tenant_key, data, "kittiwake.txt", tags=" q3 , emea ,",
                    content_type="text/plain")
    src = ready(srv, tenant_key, r)
    assert isinstance(src["title"], str) and src["title"].strip(), src
    assert sorted(src["tags"]) == ["emea", "q3"], src
    assert src["source_type"] == "other"
    assert src["filename"] == "kittiwake.txt"
    assert src["media_type"].split(";")[0] == "text/plain"
    assert src["page_count"] in (None, 0)


# ---- dedupe ----------------------------------------------------------------------

def test_same_bytes_same_tenant_is_200_duplicate(srv, key, samples):
    first = samples["faq.md"]
    r = upload_file(srv, key, sample_bytes("faq.md"), "faq-copy.md", title="Another title",
                    content_type="text/markdown")
    assert r.status_code == 200, (r.status_code, r.text[:500])
    body = r.json()
    assert body.get("duplicate") is True, body
    assert body["id"] == first["id"]
    assert body["title"] == first["title"] and body["filename"] == "faq.md"
    assert body["status"] == "ready"
    names = [s["filename"] for s in list_all(srv, key, "/v1/knowledge/sources")]
    assert names.count("faq.md") == 1 and "faq-copy.md" not in names


def test_same_json_text_twice_is_duplicate(srv, tenant_key):
    body = "The Petrel onboarding checklist has nine steps."
    first = ingest_text(srv, tenant_key, body, title="Petrel")
    r = upload_text(srv, tenant_key, body, title="Petrel again")
    assert r.status_code == 200, r.text
    assert r.json()["duplicate"] is True and r.json()["id"] == first["id"]


def test_same_bytes_in_another_tenant_is_a_new_source(srv, key, samples, tenant_key):
    r = upload_sample(srv, tenant_key, "faq.md")
    src = ready(srv, tenant_key, r)
    assert src["id"] != samples["faq.md"]["id"]
    assert src["sha256"] == samples["faq.md"]["sha256"]
    assert src["job_id"] != samples["faq.md"]["job_id"]
    # Neither tenant sees the other's copy.
    assert srv.get(f"/v1/knowledge/sources/{src['id']}", key).status_code == 404
    assert srv.get(f"/v1/knowledge/sources/{samples['faq.md']['id']}",
                   tenant_key).status_code == 404


# ---- listing ---------------------------------------------------------------------

def test_list_sources_filters_and_pagination(srv, tenant_key):
    made = []
    for i in range(5):
        stype = "battlecard" if i % 2 else "playbook"
        tags = ["even"] if i % 2 == 0 else ["odd", "x"]
        made.append(ingest_text(srv, tenant_key, f"List test document number {i}: the "
                                f"Fulmar{i} plan.", title=f"Doc {i}", source_type=stype,
                                tags=tags))
    ids = [s["id"] for s in made]
    for limit in (1, 2, 100):
        got = list_all(srv, tenant_key, "/v1/knowledge/sources", limit=limit)
        assert sorted(s["id"] for s in got) == sorted(ids), limit
    r = srv.get("/v1/knowledge/sources", tenant_key, params={"limit": 2})
    body = r.json()
    assert len(body["items"]) == 2 and isinstance(body["next_cursor"], str)
    for item in body["items"]:
        assert_source_object(item)

    def ids_for(**params):
        return sorted(s["id"] for s in list_all(srv, tenant_key, "/v1/knowledge/sources",
                                                params=params))

    assert ids_for(source_type="battlecard") == sorted(ids[1::2])
    assert ids_for(source_type="playbook") == sorted(ids[0::2])
    assert ids_for(source_type="faq") == []
    assert ids_for(tag="odd") == sorted(ids[1::2])
    assert ids_for(tag="x") == sorted(ids[1::2])
    assert ids_for(tag="ev") == []  # exact tag match, not a prefix
    assert ids_for(status="ready") == sorted(ids)
    assert ids_for(status="failed") == []
    assert ids_for(status="ready", source_type="battlecard", tag="x") == sorted(ids[1::2])


def test_list_default_limit_is_20(srv, tenant_key):
    for i in range(21):
        accepted(upload_text(srv, tenant_key, f"Default limit filler {i} about Shearwater.",
                             title=f"F{i}"))
    body = srv.get("/v1/knowledge/sources", tenant_key).json()
    assert len(body["items"]) == 20 and body["next_cursor"]


@pytest.mark.parametrize("params,field", [
    ({"status": "done"}, "status"),
    ({"source_type": "memo"}, "source_type"),
    ({"limit": "0"}, "limit"),
    ({"limit": "101"}, "limit"),
    ({"limit": "ten"}, "limit"),
])
def test_list_bad_filters_are_400(srv, key, params, field):
    body = assert_problem(srv.get("/v1/knowledge/sources", key, params=params), 400)
    assert_field_errors(body, field)


def test_list_bad_cursor_is_400(srv, key):
    assert_problem(srv.get("/v1/knowledge/sources", key, params={"cursor": "%%%not-a-cursor"}),
                   400)


# ---- chunks ----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SAMPLE_FILES))
def test_chunks_are_ordered_complete_and_shaped(srv, key, samples, name):
    src = samples[name]
    chunks = chunks_of(srv, key, src["id"])
    assert len(chunks) == src["chunk_count"]
    assert [c["ordinal"] for c in chunks] == list(range(len(chunks)))
    assert len({c["id"] for c in chunks}) == len(chunks)
    for c in chunks:
        assert_chunk_object(c, src["id"])
    # Paging through chunks one by one gives the same list.
    assert [c["id"] for c in chunks_of(srv, key, src["id"], limit=1)] == [c["id"] for c in chunks]
    total = sum(c["token_count"] for c in chunks)
    assert total // 2 <= src["token_count"] <= total + 8 * len(chunks), (src["token_count"], total)
    concept_ids = {con["id"] for c in chunks for con in c["concepts"]}
    assert len(concept_ids) == src["concept_count"], (len(concept_ids), src["concept_count"])
    pages = [c["page"] for c in chunks]
    _, _, _, page_count = SAMPLE_FILES[name]
    if page_count is not None:
        assert all(isinstance(p, int) for p in pages), pages
        assert pages == sorted(pages), pages
        assert set(pages) == set(range(1, page_count + 1)), pages
    else:
        assert all(p is None for p in pages), pages


@pytest.mark.parametrize("marker,name,page,heading", MARKERS)
def test_marker_chunk_has_page_and_section(srv, key, samples, marker, name, page, heading):
    chunks = chunks_of(srv, key, samples[name]["id"])
    hits = [c for c in chunks if marker.lower() in c["text"].lower()]
    assert hits, f"{marker!r} in no chunk of {name}"
    for c in hits:
        if page is not None:
            assert c["page"] == page, (marker, c["page"])
        if heading is not None:
            assert heading in section_parts(c["section"]), (marker, c["section"])
    # No other source has it.
    for other, src in samples.items():
        if other != name:
            assert not any(marker.lower() in c["text"].lower()
                           for c in chunks_of(srv, key, src["id"])), (marker, other)


def test_pptx_speaker_notes_and_docx_table_are_text(srv, key, samples):
    pptx = " ".join(c["text"] for c in chunks_of(srv, key, samples["case-study.pptx"]["id"]))
    assert "Gantry dashboard" in pptx  # a speaker note
    assert "Cut ramp time by 38%" in pptx
    docx = chunks_of(srv, key, samples["pricing-playbook.docx"]["id"])
    rows = [c for c in docx if "Growth" in c["text"] and "$79" in c["text"]]
    assert rows, "pricing table row missing"
    assert any("Pricing tiers" in section_parts(c["section"]) for c in rows)


def test_get_chunk_matches_list_entry_and_has_concepts(srv, key, samples):
    chunks = chunks_of(srv, key, samples["pricing-playbook.docx"]["id"])
    for c in chunks:
        r = srv.get(f"/v1/knowledge/chunks/{c['id']}", key)
        assert r.status_code == 200, r.text
        one = r.json()
        assert_chunk_object(one, samples["pricing-playbook.docx"]["id"])
        for f in ("id", "ordinal", "text", "page", "section", "token_count"):
            assert one[f] == c[f], f
        assert sorted(x["id"] for x in one["concepts"]) == sorted(x["id"] for x in c["concepts"])
    types = {con["type"] for c in chunks for con in c["concepts"]}
    assert "price" in types, types


# ---- concepts ----------------------------------------------------------------------

def test_concepts_list_shape_and_filters(srv, key, samples):
    items = list_all(srv, key, "/v1/knowledge/concepts")
    assert items
    for c in items:
        assert CONCEPT_FIELDS <= set(c), c
        assert CON_ID_RE.match(c["id"]) and c["type"] in CONCEPT_TYPES, c
        assert isinstance(c["mentions"], int) and c["mentions"] >= 1, c
        assert isinstance(c["source_count"], int) and 1 <= c["source_count"] <= 10, c
    assert len({c["id"] for c in items}) == len(items)
    for t in CONCEPT_TYPES:
        typed = list_all(srv, key, "/v1/knowledge/concepts", params={"type": t})
        assert all(c["type"] == t for c in typed), t
        assert sorted(c["id"] for c in typed) == sorted(c["id"] for c in items if c["type"] == t)
    sub = list_all(srv, key, "/v1/knowledge/concepts", params={"q": "relay"})
    assert sub and all("relay" in c["name"].lower() for c in sub)


@pytest.mark.parametrize("ctype,q,name", [
    ("price", "79", "pricing-playbook.docx"),
    ("metric", "38%", "case-study.pptx"),
    ("persona", "CFO", "pricing-playbook.docx"),
])
def test_typed_concepts_come_from_the_right_sample(srv, key, samples, ctype, q, name):
    found = list_all(srv, key, "/v1/knowledge/concepts", params={"type": ctype, "q": q})
    assert found, f"no {ctype} concept matching {q!r}"
    ids = {c["id"] for c in found}
    linked = [c for c in chunks_of(srv, key, samples[name]["id"])
              if ids & {con["id"] for con in c["concepts"]}]
    assert linked, f"no chunk of {name} links a {ctype} concept matching {q!r}"
    assert any(q.lower() in c["text"].lower() for c in linked)


def test_concepts_bad_type_is_400(srv, key):
    body = assert_problem(srv.get("/v1/knowledge/concepts", key, params={"type": "gadget"}), 400)
    assert_field_errors(body, "type")


def test_concepts_are_per_tenant(srv, tenant_key):
    assert list_all(srv, tenant_key, "/v1/knowledge/concepts") == []


# ---- jobs --------------------------------------------------------------------------

def test_job_object_of_a_sample(srv, key, samples):
    job = get_job(srv, key, samples["case-study.pptx"]["job_id"])
    assert_job_object(job, "ingest")
    assert job["status"] == "succeeded" and job["attempts"] == 1


@pytest.mark.parametrize("path", [
    "/v1/jobs/job_00000000000000000000000000", "/v1/jobs/nonsense", "/v1/jobs/src_1",
    "/v1/knowledge/sources/src_00000000000000000000000000", "/v1/knowledge/sources/x",
    "/v1/knowledge/sources/src_00000000000000000000000000/chunks",
    "/v1/knowledge/chunks/chk_00000000000000000000000000", "/v1/knowledge/chunks/%20",
    "/v1/knowledge/chunks/chk_!!",
])
def test_unknown_or_malformed_ids_are_404(srv, key, path):
    assert_problem(srv.get(path, key), 404)


def test_other_tenants_ids_are_404(srv, key, samples, tenant_key):
    src = samples["product-sheet.pdf"]
    chunk = chunks_of(srv, key, src["id"])[0]
    for path in (f"/v1/knowledge/sources/{src['id']}", f"/v1/knowledge/sources/{src['id']}/chunks",
                 f"/v1/knowledge/chunks/{chunk['id']}", f"/v1/jobs/{src['job_id']}"):
        assert_problem(srv.get(path, tenant_key), 404)
    assert_problem(srv.delete(f"/v1/knowledge/sources/{src['id']}", tenant_key), 404)
    assert_problem(srv.post(f"/v1/knowledge/sources/{src['id']}/reindex", tenant_key), 404)
    assert get_source(srv, key, src["id"])["status"] == "ready"
    assert list_all(srv, tenant_key, "/v1/knowledge/sources") == []


# ---- delete --------------------------------------------------------------------------

def test_delete_removes_source_chunks_and_search_hits(srv, tenant_key):
    body = ("The Albatross rebate applies to renewals signed before March. "
            "Albatross rebates are capped at 5%.")
    src = ingest_text(srv, tenant_key, body, title="Albatross rebate")
    chunks = chunks_of(srv, tenant_key, src["id"])
    hits = search_ok(srv, tenant_key, "Albatross rebate", mode="lexical")["results"]
    assert any(h["source_id"] == src["id"] for h in hits)
    r = srv.delete(f"/v1/knowledge/sources/{src['id']}", tenant_key)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_problem(srv.get(f"/v1/knowledge/sources/{src['id']}", tenant_key), 404)
    assert_problem(srv.get(f"/v1/knowledge/sources/{src['id']}/chunks", tenant_key), 404)
    for c in chunks:
        assert_problem(srv.get(f"/v1/knowledge/chunks/{c['id']}", tenant_key), 404)
    for mode in ("lexical", "vector", "hybrid"):
        res = search_ok(srv, tenant_key, "Albatross rebate", mode=mode)["results"]
        assert not any(h["source_id"] == src["id"] for h in res), mode
    assert src["id"] not in [s["id"] for s in list_all(srv, tenant_key, "/v1/knowledge/sources")]
    assert not list_all(srv, tenant_key, "/v1/knowledge/concepts", params={"q": "albatross"})
    assert_problem(srv.delete(f"/v1/knowledge/sources/{src['id']}", tenant_key), 404)
    # The same bytes again make a new source, not a duplicate of the deleted one.
    again = ready(srv, tenant_key, upload_text(srv, tenant_key, body, title="Albatross again"))
    assert again["id"] != src["id"]


# ---- reindex --------------------------------------------------------------------------

def _reindex(srv, key, src):
    r = srv.post(f"/v1/knowledge/sources/{src['id']}/reindex", key)
    assert r.status_code == 202, (r.status_code, r.text[:500])
    job_id = r.json().get("job_id")
    assert JOB_ID_RE.match(job_id or ""), r.json()
    job = wait_job(srv, key, job_id)
    assert_job_object(job, "reindex")
    assert job["status"] == "succeeded", job
    done = wait_source(srv, key, src["id"])
    assert done["status"] == "ready" and done["job_id"] == job_id, done
    return done


def test_reindex_leaves_one_copy_of_every_chunk(srv, tenant_key):
    src = ready(srv, tenant_key, upload_sample(srv, tenant_key, "pricing-playbook.docx"))
    before = chunks_of(srv, tenant_key, src["id"])
    for _ in range(2):
        done = _reindex(srv, tenant_key, src)
    after = chunks_of(srv, tenant_key, src["id"])
    assert done["chunk_count"] == src["chunk_count"] == len(after)
    assert [c["ordinal"] for c in after] == list(range(len(before)))
    assert [c["text"] for c in after] == [c["text"] for c in before]
    assert done["sha256"] == src["sha256"] and done["created_at"] == src["created_at"]
    hits = search_ok(srv, tenant_key, "Discount Desk", mode="lexical", top_k=100)["results"]
    texts = [h["text"] for h in hits if h["source_id"] == src["id"]]
    assert texts and len(texts) == len(set(texts)), texts
    assert len(list_all(srv, tenant_key, "/v1/knowledge/sources")) == 1


def test_reindex_keeps_chunk_ids(srv, tenant_key):
    """Assumption (see KNOWLEDGE_ASSUMPTIONS.md): a reindex of unchanged
    bytes keeps the chunk ids, so citations stay valid."""
    src = ingest_text(srv, tenant_key, "The Skua migration service imports sequences. "
                      "It takes under a week.", title="Skua")
    before = [c["id"] for c in chunks_of(srv, tenant_key, src["id"])]
    _reindex(srv, tenant_key, src)
    assert [c["id"] for c in chunks_of(srv, tenant_key, src["id"])] == before


def test_reindex_unknown_is_404(srv, key):
    assert_problem(srv.post("/v1/knowledge/sources/src_00000000000000000000000000/reindex", key),
                   404)


# ---- auth and scopes ---------------------------------------------------------------

def test_no_key_is_401_everywhere(srv, samples):
    sid = samples["faq.md"]["id"]
    for method, path in [("GET", "/v1/knowledge/sources"), ("POST", "/v1/knowledge/sources"),
                         ("GET", f"/v1/knowledge/sources/{sid}"),
                         ("DELETE", f"/v1/knowledge/sources/{sid}"),
                         ("POST", f"/v1/knowledge/sources/{sid}/reindex"),
                         ("GET", f"/v1/knowledge/sources/{sid}/chunks"),
                         ("GET", "/v1/knowledge/concepts"), ("POST", "/v1/knowledge/search"),
                         ("GET", "/v1/jobs/job_00000000000000000000000000")]:
        assert_problem(srv.request(method, path), 401)


def test_read_key_reads_but_cannot_write(srv, key, samples):
    read = srv.create_key(tenant="acme", name="reader", scopes="read")["key"]
    src = samples["case-study.pptx"]
    assert srv.get("/v1/knowledge/sources", read).status_code == 200
    assert srv.get(f"/v1/knowledge/sources/{src['id']}", read).status_code == 200
    assert srv.get(f"/v1/knowledge/sources/{src['id']}/chunks", read).status_code == 200
    assert srv.get("/v1/knowledge/concepts", read).status_code == 200
    assert srv.get(f"/v1/jobs/{src['job_id']}", read).status_code == 200
    assert srv.post("/v1/knowledge/search", read, json={"query": "ramp time"}).status_code == 200
    assert_problem(upload_text(srv, read, "Read keys cannot upload this.", title="no"), 403)
    assert_problem(upload_file(srv, read, b"nor this", "x.txt"), 403)
    assert_problem(srv.delete(f"/v1/knowledge/sources/{src['id']}", read), 403)
    assert_problem(srv.post(f"/v1/knowledge/sources/{src['id']}/reindex", read), 403)
    assert get_source(srv, key, src["id"])["status"] == "ready"


def test_write_key_without_read_cannot_get_or_search(srv, samples):
    write = srv.create_key(tenant="acme", name="writer", scopes="write")["key"]
    assert_problem(srv.get("/v1/knowledge/sources", write), 403)
    assert_problem(srv.get(f"/v1/knowledge/sources/{samples['faq.md']['id']}", write), 403)
    assert_problem(srv.post("/v1/knowledge/search", write, json={"query": "x"}), 403)
    assert_problem(srv.get("/v1/knowledge/concepts", write), 403)
    # write alone may upload (202) and see the returned object.
    accepted(upload_text(srv, write, "Writers may add the Gannet note.", title="Gannet"))


def test_admin_only_key_has_no_knowledge_access(srv):
    adm = srv.create_key(tenant="acme", name="adm-only", scopes="admin")["key"]
    assert_problem(srv.get("/v1/knowledge/sources", adm), 403)
    assert_problem(upload_text(srv, adm, "Admins are not writers.", title="no"), 403)


# ---- validation of uploads ---------------------------------------------------------------

@pytest.mark.parametrize("body,field", [
    ({"title": "No text"}, "text"),
    ({"title": "Empty", "text": ""}, "text"),
    ({"title": "Blank", "text": "   \n\t "}, "text"),
    ({"title": "Not a string", "text": 42}, "text"),
    ({"title": "Bad format", "text": "x y z", "format": "pdf"}, "format"),
    ({"title": "Bad format type", "text": "x y z", "format": 1}, "format"),
    ({"title": "Bad type", "text": "x y z", "source_type": "memo"}, "source_type"),
    ({"title": "Tags not list", "text": "x y z", "tags": "a,b"}, "tags"),
    ({"title": "Tags not strings", "text": "x y z", "tags": ["a", 3]}, "tags"),
    ({"title": "T" * 201, "text": "x y z"}, "title"),
    ({"title": 7, "text": "x y z"}, "title"),
])
def test_json_upload_field_errors(srv, tenant_key, body, field):
    r = srv.post("/v1/knowledge/sources", tenant_key, json=body)
    problem = assert_problem(r, 400)
    assert_field_errors(problem, field)
    assert list_all(srv, tenant_key, "/v1/knowledge/sources") == []


def test_title_of_200_characters_is_accepted(srv, tenant_key):
    title = "é" * 200  # characters, not bytes
    src = accepted(upload_text(srv, tenant_key, "The Puffin note.", title=title))
    assert src["title"] == title


def test_json_upload_not_an_object_or_broken(srv, tenant_key):
    h = {"Content-Type": "application/json"}
    for raw in (b"[1,2]", b"{\"title\": \"x\", \"text\": ", b"\"text\"", b""):
        assert_problem(srv.post("/v1/knowledge/sources", tenant_key, data=raw, headers=h), 400)
    bad_utf8 = b'{"title": "x", "text": "caf\xc3\x28 au lait"}'
    assert_problem(srv.post("/v1/knowledge/sources", tenant_key, data=bad_utf8, headers=h), 400)
    assert list_all(srv, tenant_key, "/v1/knowledge/sources") == []


def test_multipart_without_file_part_is_400(srv, tenant_key):
    r = srv.post("/v1/knowledge/sources", tenant_key,
                 files={"title": (None, "only a title"), "tags": (None, "a")})
    body = assert_problem(r, 400)
    assert_field_errors(body, "file")


def test_multipart_bad_fields_are_400(srv, tenant_key):
    body = assert_problem(upload_file(srv, tenant_key, b"The Murre memo.", "m.txt",
                                      source_type="memo"), 400)
    assert_field_errors(body, "source_type")
    body = assert_problem(upload_file(srv, tenant_key, b"The Murre memo.", "m.txt",
                                      title="T" * 201), 400)
    assert_field_errors(body, "title")
    assert list_all(srv, tenant_key, "/v1/knowledge/sources") == []


@pytest.mark.parametrize("payload,ctype", [
    (b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
     b"never terminated", "multipart/form-data; boundary=XYZ"),
    (b"no boundary at all", "multipart/form-data"),
    (b"--XYZ\r\nthis is not a header block\r\n--XYZ--\r\n", "multipart/form-data; boundary=XYZ"),
])
def test_malformed_multipart_is_400(srv, tenant_key, payload, ctype):
    r = srv.post("/v1/knowledge/sources", tenant_key, data=payload,
                 headers={"Content-Type": ctype})
    assert_problem(r, 400)
    assert list_all(srv, tenant_key, "/v1/knowledge/sources") == []


def test_other_content_type_is_415(srv, tenant_key):
    r = srv.post("/v1/knowledge/sources", tenant_key, data=b"title=x&text=y",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(r, 415)


def test_body_over_limit_is_413_and_nothing_is_stored(server):
    small = server({"SALIENT_MAX_BODY_MB": "1"})
    k = small.create_key(tenant="acme", name="small")["key"]
    big = b"The Storm Petrel appendix. " * 50_000  # ~1.3 MiB
    assert_problem(upload_file(small, k, big, "big.txt", content_type="text/plain"), 413)
    assert_problem(upload_text(small, k, big.decode(), title="big"), 413)
    assert list_all(small, k, "/v1/knowledge/sources") == []
    # No blob, temporary upload or row kept the body.
    kept = [p for p in small.data_dir.rglob("*")
            if p.is_file() and b"Storm Petrel appendix" in p.read_bytes()]
    assert kept == [], kept
    # The server is fine and a small upload still works.
    assert small.get("/healthz").status_code == 200
    ready(small, k, upload_file(small, k, big[:2000], "ok.txt", content_type="text/plain"))
