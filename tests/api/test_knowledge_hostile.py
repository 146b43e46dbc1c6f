# SPDX-License-Identifier: MIT
"""Hostile and broken uploads, made at test time: zip bombs, XXE, billion
laughs, deep XML, path-traversal zip entries and file names, truncated and
encrypted PDFs, images and random bytes. Each is either refused at upload
(400/413/415/422 problem) or accepted and ends "failed" with a clear,
client-safe reason after one attempt; the server stays healthy, nothing is
written outside the data dir, and good documents (before and after) are
unharmed.
"""
from __future__ import annotations

import io
import os
import pathlib
import struct
import uuid
import zipfile
import zlib

import pytest

from api_helpers import assert_problem
from knowledge_helpers import (SRC_ID_RE, accepted, chunks_of, get_job, get_source, ingest_text,
                               list_all, ready, sample_bytes, search_ok, upload_file,
                               upload_sample, wait_job, wait_source)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_xml(body: str, prolog: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + prolog +
            f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>').encode()


def para(t: str) -> str:
    return f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>"


def docx_with(document: bytes, extra: list[tuple[str, bytes]] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", document)
        for name, data in extra or []:
            z.writestr(name, data)
    return buf.getvalue()


def zip_bomb_docx(uncompressed_mb: int = 300) -> bytes:
    """A DOCX whose document.xml inflates to ~300 MB (ratio ~1000:1)."""
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(head)
    parts = [comp.compress(head)]
    block = b"A" * (1 << 20)
    for _ in range(uncompressed_mb):
        parts.append(comp.compress(block))
        crc = zlib.crc32(block, crc)
    parts.append(comp.compress(tail))
    crc = zlib.crc32(tail, crc)
    parts.append(comp.flush())
    data = b"".join(parts)
    size = len(head) + uncompressed_mb * len(block) + len(tail)
    # Write the zip by hand: zipfile would have to inflate nothing, but
    # building the entry this way avoids holding 300 MB in memory.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
    small = buf.getvalue()
    # Split the small archive into its entries and central directory.
    eocd = small.rfind(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack("<II", small[eocd + 12:eocd + 20])
    entries, central = small[:cd_off], small[cd_off:cd_off + cd_size]
    name = b"word/document.xml"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                        len(name), 0) + name
    cdir = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data),
                       size, len(name), 0, 0, 0, 0, 0, len(entries)) + name
    body = entries + local + data
    central_all = central + cdir
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 3, 3, len(central_all), len(body), 0)
    return body + central_all + end


def many_entries_docx(n: int = 20_000) -> bytes:
    return docx_with(document_xml(para("Many entries.")),
                     [(f"word/media/pad{i}.xml", b"<x/>") for i in range(n)])


def xxe_docx() -> bytes:
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return docx_with(document_xml(para("Leak: &xxe;") + para("Quarterly plan for Osprey."),
                                  prolog))


def billion_laughs_docx(tag: str = "a") -> bytes:
    ents = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10)]
    prolog = "<!DOCTYPE w:document [" + "".join(ents) + "]>"
    return docx_with(document_xml(para("&lol9;") + para(f"Laughs {tag}."), prolog))


def deep_xml_docx(depth: int = 100_000) -> bytes:
    body = "<w:p>" * depth + "</w:p>" * depth
    return docx_with(document_xml(body))


def traversal_entries_docx(canary: str) -> bytes:
    return docx_with(document_xml(para("Harmless text about the Guillemot account.")),
                     [("../" * 12 + f"tmp/{canary}-a.txt", b"escaped"),
                      (f"/tmp/{canary}-b.txt", b"escaped"),
                      ("..\\..\\" + f"{canary}-c.txt", b"escaped")])


def encrypted_pdf() -> bytes:
    from fpdf import FPDF
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Encrypted pricing for the Razorbill deal.")
    return bytes(pdf.output())


def png_bytes(red: int = 255) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes([red, 0, 0]) * 16 for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "Just a zip with a text file.")
    return buf.getvalue()


# name -> (make bytes, upload filename, content type)
HOSTILE = {
    "zip_bomb_docx": (zip_bomb_docx, "bomb.docx", DOCX_MEDIA),
    "many_entries_docx": (many_entries_docx, "many.docx", DOCX_MEDIA),
    "billion_laughs_docx": (billion_laughs_docx, "laughs.docx", DOCX_MEDIA),
    "deep_xml_docx": (deep_xml_docx, "deep.docx", DOCX_MEDIA),
    "truncated_pdf": (lambda: sample_bytes("product-sheet.pdf")[:512], "cut.pdf",
                      "application/pdf"),
    "encrypted_pdf": (encrypted_pdf, "locked.pdf", "application/pdf"),
    "random_bytes_as_pdf": (lambda: os.urandom(64 * 1024), "random.pdf", "application/pdf"),
    "png_image": (png_bytes, "logo.png", "image/png"),
    "png_named_docx": (lambda: png_bytes(128), "logo.docx", DOCX_MEDIA),
    "plain_zip_as_docx": (plain_zip, "archive.docx", DOCX_MEDIA),
    "truncated_docx": (lambda: sample_bytes("pricing-playbook.docx")[:4000], "cut.docx",
                       DOCX_MEDIA),
    "truncated_pptx": (lambda: sample_bytes("case-study.pptx")[:4000], "cut.pptx",
                       "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "empty_file": (lambda: b"", "empty.txt", "text/plain"),
    "binary_as_txt": (lambda: bytes(range(256)) * 64, "blob.txt", "text/plain"),
}


@pytest.fixture(scope="module")
def env(server_module):
    srv = server_module()
    key = srv.create_key(tenant="acme", name="hostile")["key"]
    good = ready(srv, key, upload_sample(srv, key, "faq.md"))
    return srv, key, good


def _outside_paths(canary: str) -> list[pathlib.Path]:
    return [p for p in pathlib.Path("/tmp").glob(f"{canary}*")] + \
        [p for p in pathlib.Path("/").glob(f"{canary}*")]


def assert_rejected_or_failed(srv, key, r) -> dict | None:
    """Either a 4xx problem at upload, or 202 and then a failed source and
    job with a clear reason after one attempt. Returns the failed source
    (None when refused at upload)."""
    if r.status_code != 202:
        assert r.status_code in (400, 413, 415, 422), (r.status_code, r.text[:500])
        body = assert_problem(r, r.status_code)
        assert body["detail"].strip(), body
        return None
    src = accepted(r)
    job = wait_job(srv, key, src["job_id"])
    assert job["status"] == "failed", job
    assert job["attempts"] == 1, job  # a bad document is not retried
    done = wait_source(srv, key, src["id"])
    assert done["status"] == "failed", done
    reason = done["error"]
    assert isinstance(reason, str) and 5 <= len(reason.strip()) <= 500, done
    assert job["error"] and job["error"].strip(), job
    for secret in (str(srv.data_dir), str(srv.tmp), "/tmp/", ".c:"):
        assert secret not in reason, (secret, reason)
    assert done["chunk_count"] == 0 and chunks_of(srv, key, src["id"]) == [], done
    return done


def assert_healthy(srv, key, good):
    assert srv.get("/healthz").status_code == 200
    assert srv.get("/readyz").status_code == 200
    assert get_source(srv, key, good["id"])["status"] == "ready"
    assert search_ok(srv, key, "Tidewater", mode="lexical")["results"][0]["source_id"] == good["id"]


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_fails_cleanly(env, case):
    srv, key, good = env
    make, filename, ctype = HOSTILE[case]
    data = make()
    r = upload_file(srv, key, data, filename, content_type=ctype, timeout=120)
    assert_rejected_or_failed(srv, key, r)
    assert_healthy(srv, key, good)


def test_xxe_never_reads_local_files(env):
    """Refused, failed, or (entities left unexpanded) ready without a byte
    of /etc/passwd anywhere."""
    srv, key, good = env
    r = upload_file(srv, key, xxe_docx(), "xxe.docx", content_type=DOCX_MEDIA)
    if r.status_code == 202:
        src = wait_source(srv, key, r.json()["id"])
        if src["status"] == "ready":
            text = " ".join(c["text"] for c in chunks_of(srv, key, src["id"]))
            assert "root:" not in text and "/bin/" not in text, text
            assert "Osprey" in text
        else:
            assert src["status"] == "failed" and src["error"].strip(), src
            assert "root:" not in src["error"]
    else:
        assert_rejected_or_failed(srv, key, r)
    res = search_ok(srv, key, "root bin bash nologin daemon", mode="lexical", top_k=100)
    assert not any("root:" in h["text"] for h in res["results"])
    assert_healthy(srv, key, good)


def test_billion_laughs_does_not_expand(env):
    srv, key, good = env
    r = upload_file(srv, key, billion_laughs_docx("b"), "laughs2.docx", content_type=DOCX_MEDIA)
    if r.status_code == 202:
        src = wait_source(srv, key, r.json()["id"])
        assert src["status"] in ("failed", "ready"), src
        assert src["token_count"] < 10_000, src  # 10^9 "lol"s were not made
    assert_healthy(srv, key, good)


def test_traversal_zip_entries_write_nothing(env):
    srv, key, good = env
    canary = f"salient-canary-{uuid.uuid4().hex}"
    r = upload_file(srv, key, traversal_entries_docx(canary), "traversal.docx",
                    content_type=DOCX_MEDIA)
    if r.status_code == 202:
        src = wait_source(srv, key, r.json()["id"])
        assert src["status"] in ("ready", "failed"), src
    else:
        assert_rejected_or_failed(srv, key, r)
    assert _outside_paths(canary) == []
    assert [p for p in srv.tmp.rglob(f"*{canary}*")] == []
    assert_healthy(srv, key, good)


@pytest.mark.parametrize("evil", [
    "../../etc/passwd", "..\\evil.docx", "/etc/cron.d/salient", "../" * 12 + "tmp/{canary}.txt",
    "sub/../../{canary}.md", "%2e%2e/%2e%2e/{canary}.txt", "a" * 1000 + ".txt",
])
def test_client_filename_is_never_a_path(env, evil):
    srv, key, good = env
    canary = f"salient-canary-{uuid.uuid4().hex}"
    name = evil.replace("{canary}", canary)
    body = f"Filename test {uuid.uuid4().hex}: notes on the Shag Rock account.".encode()
    before = {p for p in pathlib.Path("/etc").rglob("*salient*")} if os.access("/etc", os.R_OK) \
        else set()
    r = upload_file(srv, key, body, name, content_type="text/plain")
    if r.status_code == 202:
        src = wait_source(srv, key, r.json()["id"])
        assert SRC_ID_RE.match(src["id"])
        # Recorded (as sent, or reduced to its base name), never used as a path.
        assert isinstance(src["filename"], str) and src["filename"], src
        if len(name) < 255:
            base = name.replace("\\", "/").rsplit("/", 1)[-1]
            assert src["filename"] in (name, base), src
        assert src["status"] in ("ready", "failed"), src
    else:
        # 415: text bytes under a .docx/.pdf name are refused as a type mismatch.
        assert r.status_code in (400, 415), (r.status_code, r.text[:300])
        assert_problem(r, r.status_code)
    assert _outside_paths(canary) == []
    after = {p for p in pathlib.Path("/etc").rglob("*salient*")} if os.access("/etc", os.R_OK) \
        else set()
    assert after == before
    for p in srv.data_dir.rglob("*"):
        assert canary not in p.name and "passwd" not in p.name and "evil" not in p.name, p
    assert_healthy(srv, key, good)


def test_hostile_sources_are_listed_as_failed_and_deletable(env):
    srv, key, good = env
    r = upload_file(srv, key, os.urandom(4096), "junk.pdf", content_type="application/pdf")
    src = assert_rejected_or_failed(srv, key, r)
    if src is None:
        pytest.skip("refused at upload: nothing stored")
    failed = list_all(srv, key, "/v1/knowledge/sources", params={"status": "failed"})
    assert src["id"] in {s["id"] for s in failed}
    assert all(s["status"] == "failed" and s["error"] for s in failed)
    assert srv.delete(f"/v1/knowledge/sources/{src['id']}", key).status_code == 204
    # The same junk again is a fresh try, not a duplicate of a deleted one.
    assert_rejected_or_failed(srv, key, upload_file(srv, key, os.urandom(4096), "junk2.pdf",
                                                    content_type="application/pdf"))


def test_good_documents_still_ingest_after_all_that(env):
    srv, key, good = env
    pdf = ready(srv, key, upload_sample(srv, key, "product-sheet.pdf"))
    assert pdf["page_count"] == 3
    note = ingest_text(srv, key, "After the storm, the Kestrel note is indexed normally.",
                       title="Kestrel")
    hits = search_ok(srv, key, "Kestrel note", mode="lexical")["results"]
    assert hits and hits[0]["source_id"] == note["id"]
    assert_healthy(srv, key, good)
    job = get_job(srv, key, pdf["job_id"])
    assert job["status"] == "succeeded" and job["attempts"] == 1
