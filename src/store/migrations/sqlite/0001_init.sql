-- SPDX-License-Identifier: MIT
-- 0001: tenants, API keys and the audit log of writes.
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL            -- ms since the epoch
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,      -- visible part, "sal_XXXXXXXX"
    hash         BLOB NOT NULL,             -- BLAKE2b-256 of the whole key
    scopes       INTEGER NOT NULL,          -- bits: read 1, write 2, admin 4
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   TEXT NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_id   TEXT,
    request_id  TEXT,
    detail      TEXT
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, action, at);
