-- schema/queries/health.sql — /readyz: one database round trip, as cheap as it gets.

-- name: health_ready :one
SELECT 1 AS "one!";
