-- 0019_mail_address_later: an order e-mail is written even when the customer's address
-- is not known yet (issue 12, docs/messages.md "An address not known yet").
--
-- Until now the outbox triggers of 0015 wrote an order's e-mail row only when
-- coalesce(guest_email, customers.email) was set. A signed-in customer's address is
-- copied from Cognito by the profile sync; an order placed before that copy succeeded
-- got no e-mail row, and its confirmation was lost without a word. Now every order event
-- of a customer order writes its e-mail row, with the customer in customer_id and the
-- address in recipient when it is known; the mailer reads customers.email when it takes a
-- row whose recipient is still empty, and waits (backing off) while there is none.

ALTER TABLE message_outbox ADD COLUMN customer_id bigint;

-- An e-mail row names its address, or the customer whose address it will be.
DO $$
DECLARE
    n name;
BEGIN
    SELECT conname INTO STRICT n FROM pg_constraint
     WHERE conrelid = 'message_outbox'::regclass AND contype = 'c'
       AND pg_get_constraintdef(oid) LIKE '%recipient IS NOT NULL%';
    EXECUTE format('ALTER TABLE message_outbox DROP CONSTRAINT %I', n);
END $$;
ALTER TABLE message_outbox ADD CONSTRAINT message_outbox_email_target
    CHECK ((channel = 'email') = (recipient IS NOT NULL OR customer_id IS NOT NULL));

-- In-order delivery of e-mails is now per order (resource): the rows of one order go to
-- its one owner, and a row whose address is not known yet has no recipient to group by.
DROP INDEX message_outbox_resource_email;
CREATE INDEX message_outbox_resource_email ON message_outbox (resource, id)
    WHERE state = 'pending' AND channel = 'email';
-- The rows waiting for a customer's address, found when it arrives (below).
CREATE INDEX message_outbox_waiting_address ON message_outbox (customer_id)
    WHERE state = 'pending' AND channel = 'email' AND recipient IS NULL;

-- outbox_emit with the customer: an e-mail row is written when the address or the
-- customer is known. The 4-argument form (products, stock) stays, without a customer.
CREATE FUNCTION outbox_emit(p_type text, p_resource text, p_payload jsonb, p_email text,
                            p_customer_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ev uuid := gen_random_uuid();
BEGIN
    IF p_email IS NOT NULL OR p_customer_id IS NOT NULL THEN
        INSERT INTO message_outbox (channel, event_id, event_type, resource, recipient,
                                    customer_id, payload)
        VALUES ('email', ev, p_type, p_resource, p_email, p_customer_id, p_payload);
    END IF;
    INSERT INTO message_outbox (channel, event_id, event_type, resource, endpoint_id, payload)
    SELECT 'webhook', ev, p_type, p_resource, w.id, p_payload
      FROM webhook_endpoints w
     WHERE w.active AND p_type = ANY (w.event_types);
END $$;

CREATE OR REPLACE FUNCTION outbox_emit(p_type text, p_resource text, p_payload jsonb,
                                       p_email text)
RETURNS void LANGUAGE sql AS $$
    SELECT outbox_emit(p_type, p_resource, p_payload, p_email, NULL::bigint)
$$;

-- As in 0015, but the customer goes with the address: a guest order has guest_email and
-- no customer; a customer order has the customer, and the address if it is on file.
CREATE OR REPLACE FUNCTION orders_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    addr text := coalesce(NEW.guest_email,
                          (SELECT c.email FROM customers c WHERE c.id = NEW.customer_id));
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := 'order.created';
    ELSIF OLD.paid_at IS NULL AND NEW.paid_at IS NOT NULL THEN
        kind := 'order.paid';
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'shipped' THEN
        kind := 'order.shipped';
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'cancelled' THEN
        kind := 'order.cancelled';
    ELSE
        RETURN NULL;
    END IF;
    PERFORM outbox_emit(kind, 'order:' || NEW.number,
                        jsonb_build_object('object', order_document(NEW.id)), addr,
                        NEW.customer_id);
    -- Paid and shipped in one transaction (a cod order paid on delivery of the parcel):
    -- both events, in that order.
    IF kind = 'order.paid' AND NEW.status IS DISTINCT FROM OLD.status
       AND NEW.status IN ('shipped', 'cancelled') THEN
        PERFORM outbox_emit('order.' || NEW.status, 'order:' || NEW.number,
                            jsonb_build_object('object', order_document(NEW.id)), addr,
                            NEW.customer_id);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION refunds_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o orders;
BEGIN
    IF NEW.status <> 'succeeded' OR (TG_OP = 'UPDATE' AND OLD.status = 'succeeded') THEN
        RETURN NULL;
    END IF;
    SELECT * INTO o FROM orders WHERE id = NEW.order_id;
    PERFORM outbox_emit('order.refunded', 'order:' || o.number,
                        jsonb_build_object('object', order_document(o.id),
                            'refund', jsonb_build_object('id', NEW.id,
                                'amount', jsonb_build_object('amount', NEW.amount,
                                                             'currency', NEW.currency),
                                'reason', NEW.reason)),
                        coalesce(o.guest_email,
                                 (SELECT c.email FROM customers c WHERE c.id = o.customer_id)),
                        o.customer_id);
    RETURN NULL;
END $$;

-- When a customer's address arrives (the profile sync copies it from Cognito), their
-- waiting e-mails are due at once instead of after the rest of their backoff. Only rows
-- that no mailer has given an address yet: a row already being sent keeps its lease.
CREATE FUNCTION customers_email_known() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_outbox SET next_attempt_at = now()
     WHERE customer_id = NEW.id AND channel = 'email' AND state = 'pending'
       AND recipient IS NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_email_known AFTER UPDATE OF email ON customers
    FOR EACH ROW WHEN (OLD.email IS NULL AND NEW.email IS NOT NULL)
    EXECUTE FUNCTION customers_email_known();
