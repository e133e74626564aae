-- schema/queries/mail.sql — the order-e-mail sender's statements (api/service/mailer.c)
-- on message_outbox (schema/migrations/0015_money_messages.sql, docs/messages.md).
-- Each runs alone (autocommit) on the mailer's own connection: no transaction is ever
-- open while SES is being called.

-- The lease: due e-mail rows are locked (SKIP LOCKED: another server's mailer takes
-- other rows), and in the same statement their next_attempt_at is pushed @lease_ms into
-- the future and attempts counted, then committed. Until the lease runs out no mailer
-- takes them again, so the rows can be sent outside any transaction; if this server
-- dies mid-send, the rows come due again when the lease expires (duplicate window 1 in
-- docs/messages.md). Only the oldest pending row of an order is due, so a customer never
-- gets "shipped" before "confirmation" — a leased older row (pending, pushed forward)
-- holds the younger ones back until it is sent or failed.
-- A row written before the customer's address was known (recipient NULL, 0019) takes
-- customers.email now, and keeps it: from here on the row is sent to that address, so a
-- later change of the address cannot make a row that is being sent due again (the
-- customers_email_known trigger only touches rows without a recipient). recipient is
-- still NULL when there is no address yet; address_overdue says the row has waited
-- longer than @address_wait_ms for one (the mailer then gives up on it).
-- name: mail_lease :many
WITH due AS (
    SELECT m.id
      FROM message_outbox m
     WHERE m.channel = 'email' AND m.state = 'pending' AND m.next_attempt_at <= now()
       AND NOT EXISTS (SELECT 1 FROM message_outbox o
                        WHERE o.channel = 'email' AND o.state = 'pending'
                          AND o.resource = m.resource AND o.id < m.id)
     ORDER BY m.next_attempt_at, m.id
     LIMIT @max_rows::int
       FOR UPDATE OF m SKIP LOCKED)
UPDATE message_outbox m
   SET attempts = m.attempts + 1,
       next_attempt_at = now() + @lease_ms::int * interval '1 millisecond',
       recipient = coalesce(m.recipient,
                            (SELECT c.email FROM customers c WHERE c.id = m.customer_id))
  FROM due
 WHERE m.id = due.id
RETURNING m.id, m.attempts, m.event_type, m.recipient, m.customer_id,
          m.created_at < now() - @address_wait_ms::bigint * interval '1 millisecond' AS "address_overdue!",
          m.payload::text AS "payload!";

-- Sent: SES accepted it. The attempts check makes a mark by a mailer whose lease ran
-- out (another took the row meanwhile) change nothing.
-- name: mail_mark_sent :execrows
UPDATE message_outbox
   SET state = 'sent', sent_at = now(), last_status = @status::int, last_error = NULL
 WHERE id = @id AND attempts = @attempts::int AND state = 'pending';

-- Another try after @delay_ms (the capped exponential backoff with jitter).
-- name: mail_mark_retry :execrows
UPDATE message_outbox
   SET next_attempt_at = now() + @delay_ms::int * interval '1 millisecond',
       last_status = @status?::int, last_error = left(@error::text, 512)
 WHERE id = @id AND attempts = @attempts::int AND state = 'pending';

-- Failed for good (SES refused it with a 4xx, the row cannot be rendered, or the
-- customer's address stayed unknown too long).
-- name: mail_mark_failed :execrows
UPDATE message_outbox
   SET state = 'failed', last_status = @status?::int, last_error = left(@error::text, 512)
 WHERE id = @id AND attempts = @attempts::int AND state = 'pending';
