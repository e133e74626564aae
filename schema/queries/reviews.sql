-- schema/queries/reviews.sql — product reviews (issue #11): the public pages of a
-- product's visible reviews in three orders, a shopper's own review (post, edit,
-- delete), and staff hiding. The product's rating_count/rating_total are never written
-- here: the statement triggers of migration 0014 (reviews_rated) keep them exact in the
-- same statement as every insert, update and delete, whatever order they commit in.

-- The storefront product a slug names (inactive and archived products are not
-- reviewable and answer 404 like an unknown slug), with its rating roll-up.
-- name: review_product :one
SELECT id, rating_count, rating_total FROM products WHERE slug = @slug AND active;

-- A product's visible reviews, newest first, after the keyset (created_at as
-- microseconds since the epoch, id); after_id 0 = from the top. Walks
-- reviews_product_newest and stops after max_rows.
-- name: reviews_page_newest :many
SELECT sfgen.embed(reviews r),
       coalesce(nullif(btrim(c.display_name), ''), 'Customer') AS "author_name!",
       (extract(epoch FROM r.created_at) * 1000000)::bigint AS "created_us!"
  FROM reviews r JOIN customers c ON c.id = r.customer_id
 WHERE r.product_id = @product_id AND NOT r.hidden
   AND (@after_id::bigint = 0
        OR (r.created_at, r.id) < ('epoch'::timestamptz + @after_us::bigint * interval '1 microsecond',
                                   @after_id::bigint))
 ORDER BY r.created_at DESC, r.id DESC LIMIT @max_rows::int;

-- Highest rating first, newest first within a rating; the keyset adds the rating.
-- reviews_product_rating read backwards gives the rating order; within one rating the
-- (few) rows are put newest first by an incremental sort.
-- name: reviews_page_highest :many
SELECT sfgen.embed(reviews r),
       coalesce(nullif(btrim(c.display_name), ''), 'Customer') AS "author_name!",
       (extract(epoch FROM r.created_at) * 1000000)::bigint AS "created_us!"
  FROM reviews r JOIN customers c ON c.id = r.customer_id
 WHERE r.product_id = @product_id AND NOT r.hidden
   AND (@after_id::bigint = 0
        OR r.rating < @after_rating::int
        OR (r.rating = @after_rating::int
            AND (r.created_at, r.id) < ('epoch'::timestamptz + @after_us::bigint * interval '1 microsecond',
                                        @after_id::bigint)))
 ORDER BY r.rating DESC, r.created_at DESC, r.id DESC LIMIT @max_rows::int;

-- Lowest rating first, newest first within a rating: reviews_product_rating in its own
-- order.
-- name: reviews_page_lowest :many
SELECT sfgen.embed(reviews r),
       coalesce(nullif(btrim(c.display_name), ''), 'Customer') AS "author_name!",
       (extract(epoch FROM r.created_at) * 1000000)::bigint AS "created_us!"
  FROM reviews r JOIN customers c ON c.id = r.customer_id
 WHERE r.product_id = @product_id AND NOT r.hidden
   AND (@after_id::bigint = 0
        OR r.rating > @after_rating::int
        OR (r.rating = @after_rating::int
            AND (r.created_at, r.id) < ('epoch'::timestamptz + @after_us::bigint * interval '1 microsecond',
                                        @after_id::bigint)))
 ORDER BY r.rating ASC, r.created_at DESC, r.id DESC LIMIT @max_rows::int;

-- A new review. verified_purchase is decided here, in the same statement: the customer
-- has an order that was paid (paid, fulfilled, shipped or delivered: not awaiting
-- payment, cancelled or refunded) with a variant of this product. ON CONFLICT: the
-- customer's second review of a product inserts nothing (0 rows), also when two
-- arrive at once, instead of an error that aborts the transaction.
-- name: review_insert :one
INSERT INTO reviews (product_id, customer_id, rating, title, body, verified_purchase)
VALUES (@product_id, @customer_id, @rating::int, @title, @body,
        EXISTS (SELECT 1 FROM orders o
                  JOIN order_lines l ON l.order_id = o.id
                  JOIN product_variants v ON v.id = l.variant_id
                 WHERE o.customer_id = @customer_id AND v.product_id = @product_id
                   AND o.status IN ('paid', 'fulfilled', 'shipped', 'delivered')))
ON CONFLICT (product_id, customer_id) DO NOTHING
RETURNING id AS "id!";

-- The customer's review of a product, to point a second POST at it.
-- name: review_id_by_author :one
SELECT id FROM reviews WHERE product_id = @product_id AND customer_id = @customer_id;

-- One review with its author's display name (any visibility: for its author and staff).
-- name: review_get :one
SELECT sfgen.embed(reviews r),
       coalesce(nullif(btrim(c.display_name), ''), 'Customer') AS "author_name!"
  FROM reviews r JOIN customers c ON c.id = r.customer_id
 WHERE r.id = @id;

-- The author's edit: NULL keeps a field. Someone else's review matches no row, like a
-- missing one. The rating trigger moves the product's total by the difference.
-- name: review_update_own :execrows
UPDATE reviews
   SET rating = coalesce(@rating?::int, rating),
       title = coalesce(@title?::text, title),
       body = coalesce(@body?::text, body),
       updated_at = now()
 WHERE id = @id AND customer_id = @customer_id;

-- name: review_delete_own :execrows
DELETE FROM reviews WHERE id = @id AND customer_id = @customer_id;

-- Staff hide or show a review. Hiding takes it out of the public list and out of the
-- product's rating (trigger); setting the state it already has changes nothing.
-- updated_at stays: it says when the author last edited the text.
-- name: review_set_hidden :execrows
UPDATE reviews SET hidden = @hidden WHERE id = @id AND hidden <> @hidden;

-- name: review_exists :one
SELECT 1 AS "one!" FROM reviews WHERE id = @id;

-- Staff's moderation list, newest first (keyset on id), optionally only hidden or only
-- visible ones, optionally of one product (0 = any).
-- name: admin_reviews_page :many
SELECT sfgen.embed(reviews r),
       coalesce(nullif(btrim(c.display_name), ''), 'Customer') AS "author_name!"
  FROM reviews r JOIN customers c ON c.id = r.customer_id
 WHERE (@hidden?::boolean IS NULL OR r.hidden = @hidden::boolean)
   AND (@product_id::bigint = 0 OR r.product_id = @product_id::bigint)
   AND (@before_id::bigint = 0 OR r.id < @before_id::bigint)
 ORDER BY r.id DESC LIMIT @max_rows::int;
