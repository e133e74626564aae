-- webhooks.sql — partner webhooks (issue #12, item 5; docs/webhooks.md): the endpoints
-- staff register (webhook_endpoints, 0015), their deliveries (message_outbox rows of
-- channel 'webhook', written by the 0015 triggers), and the sender's lease and marks
-- (api/service/webhooks.c, webhook_deliveries.c, webhook_sender.c).
--
-- Answers are rendered here as JSON, once, because a create's answer is also what an
-- Idempotency-Key stores and replays. @revision 0 is If-Match: * (any revision).

-- ---------------------------------------------------------------------------------
-- Endpoints

-- name: webhook_insert :one
INSERT INTO webhook_endpoints (url, secret, event_types, description, active)
VALUES (@url, @secret, @event_types::text[], @description?::text, @active::boolean)
RETURNING id;

-- One endpoint as staff see it. The secret only when asked (the create and rotate
-- answers): it is shown once, never on a read.
-- name: webhook_doc :one
SELECT json_build_object(
         'id', w.id, 'url', w.url, 'event_types', to_json(w.event_types),
         'description', w.description, 'active', w.active,
         'secret', CASE WHEN @with_secret::boolean THEN w.secret END,
         'revision', w.revision,
         'created_at', to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'updated_at', to_char(w.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       )::text AS "doc!",
       w.revision
  FROM webhook_endpoints w WHERE w.id = @id;

-- Newest first (id DESC, the primary key), keyset on id; one row more than the page
-- says whether another page exists.
-- name: webhook_page :many
SELECT w.id,
       json_build_object(
         'id', w.id, 'url', w.url, 'event_types', to_json(w.event_types),
         'description', w.description, 'active', w.active, 'secret', NULL,
         'revision', w.revision,
         'created_at', to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'updated_at', to_char(w.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       )::text AS "doc!"
  FROM webhook_endpoints w
 WHERE (@after_id::bigint = 0 OR w.id < @after_id::bigint)
 ORDER BY w.id DESC LIMIT @max_rows::int;

-- A PATCH merges the body into the locked row in C, then writes it all back.
-- name: webhook_lock :one
SELECT w.url, w.event_types::text[] AS "event_types!", w.description, w.active, w.revision
  FROM webhook_endpoints w WHERE w.id = @id FOR UPDATE;

-- @secret NULL keeps the secret; a rotation sends the new one.
-- name: webhook_update :execrows
UPDATE webhook_endpoints
   SET url = @url, event_types = @event_types::text[], description = @description?::text,
       active = @active::boolean, secret = coalesce(@secret?::text, secret),
       revision = revision + 1, updated_at = now()
 WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int);

-- Its deliveries go with it (message_outbox.endpoint_id is ON DELETE CASCADE): a
-- deleted endpoint is never called again.
-- name: webhook_delete :execrows
DELETE FROM webhook_endpoints WHERE id = @id AND (@revision::int = 0 OR revision = @revision::int);

-- ---------------------------------------------------------------------------------
-- Deliveries (staff view)

-- name: webhook_delivery_page :many
SELECT m.id,
       json_build_object(
         'id', m.id, 'endpoint_id', m.endpoint_id, 'event_id', m.event_id,
         'event_type', m.event_type, 'resource', m.resource, 'payload', m.payload,
         'state', m.state, 'attempts', m.attempts,
         'next_attempt_at', CASE WHEN m.state = 'pending' THEN
             to_char(m.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END,
         'last_status', m.last_status, 'last_error', m.last_error, 'replay_of', m.replay_of,
         'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'sent_at', to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       )::text AS "doc!"
  FROM message_outbox m
 WHERE m.endpoint_id = @endpoint_id
   AND (@state?::text IS NULL OR m.state = (@state::text)::outbox_state)
   AND (@after_id::bigint = 0 OR m.id < @after_id::bigint)
 ORDER BY m.id DESC LIMIT @max_rows::int;

-- name: webhook_delivery_doc :one
SELECT json_build_object(
         'id', m.id, 'endpoint_id', m.endpoint_id, 'event_id', m.event_id,
         'event_type', m.event_type, 'resource', m.resource, 'payload', m.payload,
         'state', m.state, 'attempts', m.attempts,
         'next_attempt_at', CASE WHEN m.state = 'pending' THEN
             to_char(m.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END,
         'last_status', m.last_status, 'last_error', m.last_error, 'replay_of', m.replay_of,
         'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         'sent_at', to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       )::text AS "doc!"
  FROM message_outbox m
 WHERE m.id = @id AND m.endpoint_id = @endpoint_id AND m.channel = 'webhook';

-- A replay is a new row with the same event id, type and payload (the receiver
-- deduplicates on the id), queued behind the resource's older pending rows like any
-- other. No row back: no such delivery of this endpoint.
-- name: webhook_delivery_replay :one
INSERT INTO message_outbox (channel, event_id, event_type, resource, endpoint_id, payload,
                            replay_of)
SELECT 'webhook', m.event_id, m.event_type, m.resource, m.endpoint_id, m.payload, m.id
  FROM message_outbox m
 WHERE m.id = @id AND m.endpoint_id = @endpoint_id AND m.channel = 'webhook'
RETURNING id;

-- ---------------------------------------------------------------------------------
-- The sender (webhook_sender.c)

-- The lease, one statement and so one short transaction: due rows of active endpoints
-- that are the oldest pending row of their (endpoint, resource) — a resource's events
-- go out in order — locked with SKIP LOCKED (several servers never take one row), then
-- pushed @lease_ms into the future with attempts + 1. The HTTP calls happen after the
-- commit, outside any transaction; a sender that dies mid-call leaves the row to come
-- due again when the lease ends. A leased row is still pending, so the NOT EXISTS keeps
-- the resource's younger rows back until it is marked.
-- name: webhook_lease :many
WITH due AS (
    SELECT m.id
      FROM message_outbox m
      JOIN webhook_endpoints w ON w.id = m.endpoint_id AND w.active
     WHERE m.channel = 'webhook' AND m.state = 'pending' AND m.next_attempt_at <= now()
       AND NOT EXISTS (SELECT 1 FROM message_outbox o
                        WHERE o.endpoint_id = m.endpoint_id AND o.resource = m.resource
                          AND o.state = 'pending' AND o.channel = 'webhook' AND o.id < m.id)
     ORDER BY m.next_attempt_at, m.id
     LIMIT @max_rows::int
       FOR UPDATE OF m SKIP LOCKED
)
UPDATE message_outbox m
   SET attempts = m.attempts + 1,
       next_attempt_at = now() + @lease_ms::int * interval '1 millisecond'
  FROM due, webhook_endpoints w
 WHERE m.id = due.id AND w.id = m.endpoint_id
RETURNING m.id, m.event_id::text AS "event_id!", m.event_type, m.payload::text AS "payload!",
          m.attempts, extract(epoch FROM m.created_at)::bigint AS "created!",
          w.url, w.secret;

-- name: webhook_mark_sent :exec
UPDATE message_outbox
   SET state = 'sent', sent_at = now(), last_status = @status::int, last_error = NULL
 WHERE id = @id;

-- A failed attempt: try again after @delay_ms, unless the row is older than
-- @max_age_s (then it is failed for good and stays for staff to see and replay).
-- name: webhook_mark_retry :exec
UPDATE message_outbox
   SET last_status = @status?::int, last_error = left(@error::text, 512),
       next_attempt_at = now() + @delay_ms::int * interval '1 millisecond',
       state = CASE WHEN created_at + @max_age_s::int * interval '1 second'
                         <= now() + @delay_ms::int * interval '1 millisecond'
                    THEN 'failed'::outbox_state ELSE 'pending'::outbox_state END
 WHERE id = @id;
