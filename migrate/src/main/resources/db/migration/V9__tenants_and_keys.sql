-- Tenants and API keys (docs/security.md). A key belongs to a tenant and carries scopes; only its SHA-256 is kept.
-- Every run and schedule belongs to the tenant of the key that made it; another tenant never sees it.
CREATE TABLE api_keys (
    id          uuid        PRIMARY KEY,
    prefix      text        NOT NULL UNIQUE,     -- the visible part of the key, rsk_<prefix>_…
    secret_hash bytea       NOT NULL,            -- SHA-256 of the whole key
    name        text        NOT NULL,
    tenant      text        NOT NULL,
    scopes      text[]      NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,                     -- refused from then on (null: no expiry)
    revoked_at  timestamptz                      -- refused from then on; a revocation with a grace period sets it ahead
);
CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at);

-- Runs recorded before tenants existed belong to the tenant 'default'.
ALTER TABLE runs ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE schedules ADD COLUMN tenant text NOT NULL DEFAULT 'default';

-- An Idempotency-Key is the tenant's own: two tenants may use the same one.
DROP INDEX runs_idempotency_key;
CREATE UNIQUE INDEX runs_idempotency_key ON runs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
