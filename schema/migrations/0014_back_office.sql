-- 0014_back_office: what staff need to run the shop through the API (issue #11):
-- revisions for If-Match, the inventory ledger, image uploads, reviews, wishlists and
-- the customer attributes fetched from Cognito.

-- Every row staff edit carries a revision, bumped by each staff update and sent as the
-- resource's ETag ("r<revision>"), so two staff editing the same row cannot overwrite
-- each other unseen (If-Match; stale = 412). A column, not xmin: xmin also changes when a
-- trigger rewrites a product's roll-up (a checkout taking the last unit, a review), and
-- that is not an edit the other staff member has to re-read.
ALTER TABLE products ADD COLUMN revision integer NOT NULL DEFAULT 1;
ALTER TABLE product_variants ADD COLUMN revision integer NOT NULL DEFAULT 1;
ALTER TABLE categories ADD COLUMN revision integer NOT NULL DEFAULT 1;
ALTER TABLE brands ADD COLUMN revision integer NOT NULL DEFAULT 1;
ALTER TABLE discount_codes ADD COLUMN revision integer NOT NULL DEFAULT 1;
ALTER TABLE shipping_methods ADD COLUMN revision integer NOT NULL DEFAULT 1;
ALTER TABLE tax_rates ADD COLUMN revision integer NOT NULL DEFAULT 1;

-- Archived products stay readable by staff and by old orders but leave the storefront
-- (active = false does that); archived_at says when and distinguishes an archive from a
-- product that was never published.
ALTER TABLE products ADD COLUMN archived_at timestamptz;

-- ---------------------------------------------------------------------------------
-- The inventory ledger. Every change of product_variants.stock is one row here, written
-- by a trigger in the statement that changed the stock, so the ledger sums to the stock
-- whatever code (or person with psql) made the change: sum(delta) per variant = stock.
-- The reason, actor and order come from transaction-local settings that the code making
-- the change sets first (query stock_context_set):
--   storefront.stock_reason   created | set | adjustment | checkout | cancel | refund |
--                             expired (the unpaid-order sweeper) | seed
--   storefront.stock_actor    the customers.id of the staff member or shopper, if any
--   storefront.stock_order    the orders.id the change belongs to, if any
--   storefront.stock_note     the staff member's words (adjustments)
-- A change made without them (SQL by hand) is recorded as 'external', never lost.
CREATE TYPE stock_reason AS ENUM (
    'created', 'set', 'adjustment', 'checkout', 'cancel', 'refund', 'expired', 'seed',
    'external');

CREATE TABLE stock_movements (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    variant_id  bigint NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    delta       integer NOT NULL,
    stock_after integer NOT NULL CHECK (stock_after >= 0),
    reason      stock_reason NOT NULL,
    actor_id    bigint REFERENCES customers (id) ON DELETE SET NULL,
    order_id    bigint REFERENCES orders (id) ON DELETE SET NULL,
    note        varchar(500) NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A variant's movements, newest first (keyset on id).
CREATE INDEX stock_movements_variant ON stock_movements (variant_id, id DESC);
-- Low-stock lists walk active variants by stock.
CREATE INDEX product_variants_low_stock ON product_variants (stock, id) WHERE active;

CREATE FUNCTION stock_setting(name text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting(name, true), '')
$$;

-- Statement-level like the other derived-data triggers (0013): a seed of a million
-- variants writes its ledger rows in one INSERT … SELECT, and a checkout's one-row UPDATE
-- writes one row. Rows whose stock did not change (a price edit), and new variants
-- with none, write nothing.
CREATE FUNCTION product_variants_stock_logged() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    why stock_reason := coalesce(stock_setting('storefront.stock_reason'),
                                 CASE WHEN TG_OP = 'INSERT' THEN 'created' ELSE 'external' END);
    who bigint := stock_setting('storefront.stock_actor')::bigint;
    ord bigint := stock_setting('storefront.stock_order')::bigint;
    txt text := coalesce(stock_setting('storefront.stock_note'), '');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stock_movements (variant_id, delta, stock_after, reason, actor_id, order_id, note)
        SELECT n.id, n.stock, n.stock, why, who, ord, txt FROM new_rows n WHERE n.stock <> 0;
    ELSE
        -- Grouped, not joined: the planner estimates each transition table at one row
        -- and would nest-loop a join over a million-row UPDATE (see 0013).
        INSERT INTO stock_movements (variant_id, delta, stock_after, reason, actor_id, order_id, note)
        SELECT x.id, sum(x.d), max(x.after), why, who, ord, txt
          FROM (SELECT id, stock AS d, stock AS after FROM new_rows
                UNION ALL
                SELECT id, -stock, NULL FROM old_rows) x
         GROUP BY x.id
        HAVING sum(x.d) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER product_variants_stock_inserted AFTER INSERT ON product_variants
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_stock_logged();
CREATE TRIGGER product_variants_stock_updated AFTER UPDATE ON product_variants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_stock_logged();

-- The variants that exist now start their ledger with what they hold.
INSERT INTO stock_movements (variant_id, delta, stock_after, reason)
SELECT id, stock, stock, 'created' FROM product_variants WHERE stock <> 0;

-- ---------------------------------------------------------------------------------
-- Product images uploaded by staff: an upload is presigned first (a row here: the key
-- the PUT must use, its content type and size bound), then confirmed once the object
-- exists in S3, which writes the product_images row. Rows of unconfirmed uploads expire.
ALTER TABLE product_images ADD COLUMN s3_key text;
ALTER TABLE product_images ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE image_uploads (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id    bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    s3_key        text NOT NULL UNIQUE,
    content_type  text NOT NULL,
    max_bytes     bigint NOT NULL CHECK (max_bytes > 0),
    created_by    bigint REFERENCES customers (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    confirmed_at  timestamptz
);

CREATE INDEX image_uploads_product ON image_uploads (product_id, id);

-- ---------------------------------------------------------------------------------
-- Reviews: one per customer per product. products.rating_count / rating_total count the
-- visible ones and are kept by a statement-level trigger that adds deltas
-- (rating_count = rating_count + d): an UPDATE re-reads the product row after waiting
-- for its lock, so concurrent reviews of one product each add exactly their own part.
-- Recounting with a subquery would read the statement's snapshot, which misses a review
-- committed while this one waited.
CREATE TABLE reviews (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id        bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    customer_id       bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    rating            smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title             varchar(120) NOT NULL DEFAULT '',
    body              varchar(5000) NOT NULL DEFAULT '',
    verified_purchase boolean NOT NULL DEFAULT false,
    hidden            boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, customer_id)
);

CREATE INDEX reviews_product_newest ON reviews (product_id, created_at DESC, id DESC)
    WHERE NOT hidden;
CREATE INDEX reviews_product_rating ON reviews (product_id, rating, created_at DESC, id DESC)
    WHERE NOT hidden;
CREATE INDEX reviews_customer ON reviews (customer_id, id);

CREATE FUNCTION reviews_rated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE products p SET rating_count = p.rating_count + d.n, rating_total = p.rating_total + d.t
          FROM (SELECT product_id, count(*) AS n, sum(rating) AS t FROM new_rows
                 WHERE NOT hidden GROUP BY product_id) d
         WHERE p.id = d.product_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE products p SET rating_count = p.rating_count - d.n, rating_total = p.rating_total - d.t
          FROM (SELECT product_id, count(*) AS n, sum(rating) AS t FROM old_rows
                 WHERE NOT hidden GROUP BY product_id) d
         WHERE p.id = d.product_id;
    ELSE
        UPDATE products p SET rating_count = p.rating_count + d.n, rating_total = p.rating_total + d.t
          FROM (SELECT product_id, sum(n) AS n, sum(t) AS t FROM (
                    SELECT product_id, 1 AS n, rating AS t FROM new_rows WHERE NOT hidden
                    UNION ALL
                    SELECT product_id, -1, -rating FROM old_rows WHERE NOT hidden) x
                 GROUP BY product_id) d
         WHERE p.id = d.product_id AND (d.n <> 0 OR d.t <> 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER reviews_rated_inserted AFTER INSERT ON reviews
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reviews_rated();
CREATE TRIGGER reviews_rated_updated AFTER UPDATE ON reviews
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reviews_rated();
CREATE TRIGGER reviews_rated_deleted AFTER DELETE ON reviews
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reviews_rated();

-- ---------------------------------------------------------------------------------
-- Wishlists: a product saved by a customer, once.
CREATE TABLE wishlist_items (
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    product_id  bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, product_id)
);

CREATE INDEX wishlist_items_newest ON wishlist_items (customer_id, created_at DESC, product_id DESC);

-- ---------------------------------------------------------------------------------
-- Customers as Cognito knows them: access tokens carry no e-mail, so the server asks
-- Cognito (GetUser) on a customer's first authenticated request and on PATCH /v1/me.
-- profile_synced_at NULL = not fetched yet (or Cognito was down): fetch again later.
ALTER TABLE customers ADD COLUMN name varchar(200);
ALTER TABLE customers ADD COLUMN email_verified boolean;
ALTER TABLE customers ADD COLUMN profile_synced_at timestamptz;

-- Staff search customers by e-mail prefix (lower-cased, so the prefix is case-blind).
CREATE INDEX customers_email_prefix ON customers (lower(email) text_pattern_ops, id);
