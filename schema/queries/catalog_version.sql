-- schema/queries/catalog_version.sql — the catalog cache's listener (api/db/catalog_version.c,
-- docs/caching.md): one connection per server that LISTENs for the version bumps of
-- migration 0018 and reads the version after every (re)connect, since notifications sent
-- while it was disconnected are lost.

-- Subscribe this session to the bumps' NOTIFY. Run before catalog_version_get: a bump
-- committed in between is then both read and announced, never neither.
-- name: catalog_version_listen :exec
LISTEN catalog_version;

-- The current catalog version (committed bumps only).
-- name: catalog_version_get :one
SELECT version FROM catalog_version;
