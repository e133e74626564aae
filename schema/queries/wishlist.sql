-- schema/queries/wishlist.sql — a shopper's saved products (issue #11). A product is
-- saved at most once (the primary key); saving again changes nothing, so PUT and the
-- sign-in merge are idempotent and safe to run concurrently.

-- The customer's saved products that are still in the storefront, newest saved first,
-- after the keyset (saved_at as microseconds since the epoch, product id); after_id 0
-- = from the top. A product taken out of the storefront (inactive, archived) stays
-- saved but is not listed, and is back when the product is.
-- name: wishlist_page :many
SELECT p.id, p.slug, p.name, p.price_amount, p.compare_at_amount, p.currency, p.in_stock,
       p.image_url, p.image_alt, w.created_at AS saved_at,
       (extract(epoch FROM w.created_at) * 1000000)::bigint AS "saved_us!"
  FROM wishlist_items w JOIN products p ON p.id = w.product_id
 WHERE w.customer_id = @customer_id AND p.active
   AND (@after_id::bigint = 0
        OR (w.created_at, w.product_id) < ('epoch'::timestamptz + @after_us::bigint * interval '1 microsecond',
                                           @after_id::bigint))
 ORDER BY w.created_at DESC, w.product_id DESC LIMIT @max_rows::int;

-- Saves one storefront product; 0 rows when it was saved already or is not in the
-- storefront (wishlist_product_exists tells which).
-- name: wishlist_put :execrows
INSERT INTO wishlist_items (customer_id, product_id)
SELECT @customer_id, p.id FROM products p WHERE p.id = @product_id AND p.active
ON CONFLICT (customer_id, product_id) DO NOTHING;

-- name: wishlist_product_exists :one
SELECT 1 AS "one!" FROM products WHERE id = @product_id AND active;

-- name: wishlist_delete :execrows
DELETE FROM wishlist_items WHERE customer_id = @customer_id AND product_id = @product_id;

-- The guest list handed over at sign-in: every id that names a storefront product is
-- saved (once); the others are skipped, since a guest list may hold products removed
-- since. All rows share one created_at (now()); the keyset's product id orders them.
-- name: wishlist_merge :execrows
INSERT INTO wishlist_items (customer_id, product_id)
SELECT @customer_id, p.id FROM products p WHERE p.id = ANY (@product_ids::bigint[]) AND p.active
ON CONFLICT (customer_id, product_id) DO NOTHING;
