-- schema/queries/customers_admin.sql — customers as Cognito knows them (the profile that
-- GetUser returns, api/service/customer_profile.c) and the staff search by e-mail
-- (api/service/customers.c). The row itself is read and written by generated CRUD
-- (crud.list); these are the statements CRUD cannot express.

-- Stores what Cognito said about the person, and when. Cognito is the source of truth
-- for these fields, so an attribute it no longer has becomes NULL. updated_at is the
-- person's own profile edits and is left alone.
-- name: customer_profile_store :one
UPDATE customers
   SET email = @email?, email_verified = @email_verified?::boolean, name = @name?,
       profile_synced_at = now()
 WHERE cognito_sub = @sub
RETURNING sfgen.embed(customers);

-- Staff search by e-mail prefix, first page. The index customers_email_prefix is on
-- (lower(email) text_pattern_ops, id): text_pattern_ops compares bytes, so the range
-- is written with its operators (~>=~, ~<~) and the order with USING ~<~; the default
-- collation's < and ORDER BY would not match the index and would sort every match.
-- The upper bound (the prefix followed by U+10FFFF, above any UTF-8 continuation)
-- stops the walk at the last match; starts_with keeps the answer exact.
-- name: customers_by_email_prefix :many
SELECT sfgen.embed(customers), lower(email) AS "email_key!"
  FROM customers
 WHERE lower(email) ~>=~ lower(@prefix) AND lower(email) ~<~ (lower(@prefix) || chr(1114111))
   AND starts_with(lower(email), lower(@prefix))
 ORDER BY lower(email) USING ~<~, id
 LIMIT @lim;

-- The next page: the walk starts at the cursor's (lower(email), id), so a page costs
-- the same however deep it is.
-- name: customers_by_email_prefix_after :many
SELECT sfgen.embed(customers), lower(email) AS "email_key!"
  FROM customers
 WHERE lower(email) ~>=~ @after_email AND lower(email) ~<~ (lower(@prefix) || chr(1114111))
   AND starts_with(lower(email), lower(@prefix))
   AND (lower(email) ~>~ @after_email OR id > @after_id)
 ORDER BY lower(email) USING ~<~, id
 LIMIT @lim;
