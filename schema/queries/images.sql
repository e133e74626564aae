-- schema/queries/images.sql — product images uploaded by staff through presigned S3 URLs
-- (api/service/images.c, docs/images.md): the upload rows (image_uploads, migration
-- 0014), their one-time confirmation into product_images, and the staff edits of those
-- images. products.image_url / image_alt follow by the triggers of 0003/0011.

-- A presigned upload. The product must exist (no row otherwise: 404); created_by is the
-- staff member's customer row. expires_at comes from the signer's clock, so the row and
-- the URL's X-Amz-Date + X-Amz-Expires name the same instant.
-- name: image_upload_create :one
INSERT INTO image_uploads (product_id, s3_key, content_type, max_bytes, created_by, expires_at)
SELECT p.id, @s3_key, @content_type, @max_bytes,
       (SELECT c.id FROM customers c WHERE c.cognito_sub = @sub), @expires_at::timestamptz
  FROM products p
 WHERE p.id = @product_id
RETURNING id AS "id!", expires_at AS "expires_at!";

-- One upload of one product, with whether its confirmation window (the URL's lifetime
-- plus grace_s, for a PUT that finished just before the URL expired) has passed.
-- name: image_upload_get :one
SELECT id, product_id, s3_key, content_type, max_bytes, expires_at, confirmed_at,
       now() > expires_at + make_interval(secs => @grace_s::int) AS "expired!"
  FROM image_uploads
 WHERE id = @id AND product_id = @product_id;

-- Inside the confirm transaction: marks the upload used. No row when another request
-- confirmed it first or its window has closed, so one upload becomes at most one image
-- however many confirms race.
-- name: image_upload_claim :one
UPDATE image_uploads SET confirmed_at = now()
 WHERE id = @id AND product_id = @product_id AND confirmed_at IS NULL
   AND now() <= expires_at + make_interval(secs => @grace_s::int)
RETURNING s3_key AS "s3_key!";

-- The image an upload became (for the detail of a repeated confirm).
-- name: image_id_by_s3_key :one
SELECT id FROM product_images WHERE s3_key = @s3_key ORDER BY id LIMIT 1;

-- Inside a transaction: locks the product row. Every change to a product's image set
-- that depends on the set (confirm's default position, reorder's "exactly these ids")
-- takes it first, so those changes are serialized per product. FOR NO KEY UPDATE leaves
-- foreign-key checks from other tables unblocked.
-- name: image_product_lock :one
SELECT id FROM products WHERE id = @id FOR NO KEY UPDATE;

-- A confirmed upload becomes an image; without a position it goes last.
-- name: image_insert :one
INSERT INTO product_images (product_id, url, alt, position, s3_key)
VALUES (@product_id, @url, @alt,
        COALESCE(@position?::int,
                 (SELECT max(i.position) + 1 FROM product_images i WHERE i.product_id = @product_id),
                 0),
        @s3_key)
RETURNING id AS "id!", product_id AS "product_id!", url AS "url!", alt AS "alt!",
          position AS "position!", s3_key AS "s3_key?", created_at AS "created_at!";

-- A product's images in display order (the order the public product shows them).
-- name: image_list :many
SELECT sfgen.embed(product_images)
  FROM product_images
 WHERE product_id = @product_id
 ORDER BY position, id;

-- name: image_get :one
SELECT sfgen.embed(product_images) FROM product_images WHERE id = @id;

-- Changes alt and/or position (NULL = keep).
-- name: image_update :one
UPDATE product_images
   SET alt = COALESCE(@alt?::text, alt), position = COALESCE(@position?::int, position)
 WHERE id = @id
RETURNING id AS "id!", product_id AS "product_id!", url AS "url!", alt AS "alt!",
          position AS "position!", s3_key AS "s3_key?", created_at AS "created_at!";

-- The S3 object is kept (docs/images.md): old order e-mails and caches may still show it.
-- name: image_delete :execrows
DELETE FROM product_images WHERE id = @id;

-- Positions 0..n-1 in the order of ids; only the product's own images move.
-- name: image_reorder :execrows
UPDATE product_images i SET position = (t.ord - 1)::int
  FROM unnest(@ids::bigint[]) WITH ORDINALITY AS t(id, ord)
 WHERE i.id = t.id AND i.product_id = @product_id;
