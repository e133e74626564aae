-- schema/queries/outbox.sql — the Kinesis forwarder's statements (api/db/outbox_queries.c,
-- db_outbox.h). Lists of ids travel as one array parameter, so a batch is one round trip.

-- The take is one statement: due rows locked with SKIP LOCKED (several servers never
-- ship one row at the same time), joined to their event, which PostgreSQL renders as
-- JSON (to_jsonb: every stored column, typed, so a new column is shipped without a code
-- change). LEFT JOIN so rows whose event retention dropped come back too, to be deleted.
-- name: outbox_take :many
SELECT o.id, o.attempts, e.event_id IS NULL AS "event_gone!",
       to_jsonb(e)::text AS json,
       coalesce(nullif(e.session_id, ''), nullif(e.anonymous_id, ''), e.event_id::text)
           AS part_key
  FROM event_outbox o
  LEFT JOIN events e ON (e.event_id, e.event_time) = (o.event_id, o.event_time)
 WHERE o.next_attempt_at <= now()
 ORDER BY o.id LIMIT @max_rows::int FOR UPDATE OF o SKIP LOCKED;

-- name: outbox_delete :exec
DELETE FROM event_outbox WHERE id = ANY (@ids::bigint[]);

-- One row per id: its delay before the next attempt and the error that caused it.
-- name: outbox_retry :exec
UPDATE event_outbox o
   SET attempts = o.attempts + 1,
       next_attempt_at = now() + r.ms * interval '1 millisecond',
       last_error = left(r.err, 512)
  FROM unnest(@ids::bigint[], @delay_ms::int[], @errors::text[]) AS r(id, ms, err)
 WHERE o.id = r.id;

-- name: outbox_count :one
SELECT count(*) AS "n!" FROM event_outbox;
