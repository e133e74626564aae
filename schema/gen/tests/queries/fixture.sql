-- schema/gen/tests/queries/fixture.sql — named queries over the fixture schema: every
-- kind, every parameter and column mapping, NULL-ability from the table and from `!`/`?`,
-- enums, arrays, a parameter used twice. The golden output is diffed (gen/golden) and
-- run against PostgreSQL (db/sfgen_fixture).

-- A customer by id: text, uuid, date, jsonb, numeric, a nullable boolean, an enum
-- (`mood`, quoted in the DDL) and a generated column.
-- name: fx_customer_get :one
SELECT id, email, external_id, display, birthday, profile, balance, vip, feeling
  FROM customers WHERE id = @id;

-- name: fx_customer_insert :one
INSERT INTO customers (email, vip, feeling, birthday)
VALUES (@email, @vip?, @feeling?, @birthday)
RETURNING id, 'c' || id AS "marker!";

-- Orders of one customer, newest first, of the given statuses (an enum array as text[]),
-- with a count over the same customer (window) and a nullable outer-join column.
-- name: fx_orders_by_customer :many
SELECT o.id, o.status, o.total, o."order" AS ord, o.placed_at,
       count(*) OVER () AS "n!", l.sku AS "first_sku?",
       array_agg(t.tag ORDER BY t.tag) FILTER (WHERE t.tag IS NOT NULL) AS tags,
       array_agg(t.order_id) FILTER (WHERE t.tag IS NOT NULL) AS tag_orders
  FROM orders o
  LEFT JOIN order_lines l ON l.order_id = o.id AND l.line_no = 1
  LEFT JOIN order_tags t ON t.order_id = o.id
 WHERE o.customer_id = @customer_id AND o.status::text = ANY (@statuses::text[])
   AND (@min_total?::bigint IS NULL OR o.total >= @min_total)
 GROUP BY o.id, l.sku
 ORDER BY o.id DESC;

-- name: fx_order_set_status :execrows
UPDATE orders SET status = @status WHERE id = ANY (@ids) AND status <> @status;

-- name: fx_tag_add :exec
INSERT INTO order_tags (order_id, tag) VALUES (@order_id, @tag) ON CONFLICT DO NOTHING;

-- A parameterless query, a float and a boolean result.
-- name: fx_stats :one
SELECT count(*)::float8 / 2 AS "half!", bool_or(vip) AS any_vip FROM customers;

-- `!` promises NOT NULL; max() over no rows breaks the promise: SF_INTERNAL, not 0.
-- name: fx_top_total :one
SELECT max(total) AS "top!" FROM orders WHERE customer_id = @customer_id;

-- sfgen.embed: the order as the table's generated struct (its quoted "order" column too),
-- decoded by db_order_decode, beside a joined column.
-- name: fx_order_with_email :one
SELECT sfgen.embed(orders o), c.email
  FROM orders o JOIN customers c ON c.id = o.customer_id
 WHERE o.id = @id;

-- A shape: never run; its decoder serves statements built at run time, and refuses a
-- result whose columns are not the shape's.
-- name: fx_order_shape :shape
SELECT o.id, o.total, o.status FROM orders o;

-- A table made at run time, in no migration: describe runs a parameterless CREATE, so
-- the query after it is typed against the table.
-- name: fx_scratch_create :exec
CREATE TEMP TABLE IF NOT EXISTS fx_scratch (n bigint NOT NULL, label text);

-- name: fx_scratch_count :one
SELECT count(*) AS "rows!", max(label) AS top FROM fx_scratch;

-- A fragment: verbatim, its {slot}s and @params for api/db/sqlbuf.c's builder.
-- name: fx_orders_filter :fragment
AND {t}.total >= @min_total
AND {t}.status = @status::order_status

-- A COPY: the function starts it, the caller streams the rows (db_copy_begin).
-- name: fx_scratch_copy :copy
COPY fx_scratch (n, label) FROM STDIN;
