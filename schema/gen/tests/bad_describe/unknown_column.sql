-- expect: {file}:6: fx_bad: column "emial" does not exist
-- name: fx_bad :many
SELECT id,
       email
  FROM customers
 WHERE emial = @email;
