-- SPDX-License-Identifier: MIT
-- 0002: knowledge (sources, chunks, concepts and their links), the per-tenant
-- knowledge version, and the durable jobs table of the embedded queue.
-- Times are ms since the epoch. tenant_id is not a foreign key here: rows
-- are written by workers and the CLI with ids that came from tenants, and
-- every query filters by it.
CREATE TABLE sources (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    title           TEXT NOT NULL,
    filename        TEXT NOT NULL DEFAULT '',
    media_type      TEXT NOT NULL DEFAULT '',
    format          TEXT NOT NULL DEFAULT '',
    size_bytes      INTEGER NOT NULL DEFAULT 0,
    sha256          TEXT NOT NULL,          -- of the original bytes; names the blob
    source_type     TEXT NOT NULL DEFAULT 'other',
    tags            TEXT NOT NULL DEFAULT '', -- joined by ','; a tag has no comma
    status          TEXT NOT NULL,          -- pending, processing, ready, failed
    error           TEXT NOT NULL DEFAULT '',
    page_count      INTEGER NOT NULL DEFAULT 0,
    chunk_count     INTEGER NOT NULL DEFAULT 0,
    concept_count   INTEGER NOT NULL DEFAULT 0,
    token_count     INTEGER NOT NULL DEFAULT 0,
    embedding_model TEXT NOT NULL DEFAULT '',
    processing_ms   INTEGER NOT NULL DEFAULT 0,
    job_id          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, sha256)
);
CREATE INDEX sources_tenant ON sources (tenant_id, id);
CREATE INDEX sources_sha ON sources (sha256);

CREATE TABLE chunks (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    source_id     TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    text          TEXT NOT NULL,
    section       TEXT NOT NULL DEFAULT '',
    page          INTEGER NOT NULL DEFAULT 0,
    token_count   INTEGER NOT NULL DEFAULT 0,
    concept_types INTEGER NOT NULL DEFAULT 0, -- bit (1 << type) per type mentioned
    vector        BLOB,                       -- dims little-endian f32
    dims          INTEGER NOT NULL DEFAULT 0,
    terms         BLOB,                       -- the index's encoded terms
    UNIQUE (source_id, ordinal)
);
CREATE INDEX chunks_tenant ON chunks (tenant_id, source_id, ordinal);

CREATE TABLE concepts (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,               -- as first seen
    name_key    TEXT NOT NULL,               -- lower-cased (Unicode) name
    created_at  INTEGER NOT NULL,
    UNIQUE (tenant_id, type, name_key)
);
CREATE INDEX concepts_tenant ON concepts (tenant_id, id);

CREATE TABLE chunk_concepts (
    chunk_id    TEXT NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    concept_id  TEXT NOT NULL REFERENCES concepts(id) ON DELETE CASCADE,
    mentions    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (chunk_id, concept_id)
) WITHOUT ROWID;
CREATE INDEX chunk_concepts_concept ON chunk_concepts (concept_id);

CREATE TABLE knowledge_versions (
    tenant_id   TEXT PRIMARY KEY,
    version     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    type          TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL,              -- queued, running, succeeded, failed
    attempts      INTEGER NOT NULL DEFAULT 0, -- runs started so far
    max_attempts  INTEGER NOT NULL DEFAULT 5,
    error         TEXT NOT NULL DEFAULT '',
    progress      REAL NOT NULL DEFAULT 0,
    run_at        INTEGER NOT NULL,           -- not before
    lease_until   INTEGER,                    -- running: claimable again after it
    worker        TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER
);
CREATE INDEX jobs_due ON jobs (status, run_at);
