-- expect: {file}:2: fx_bad: type `record` has no C mapping (cast it, e.g. ::text)
-- name: fx_bad :one
SELECT row(id, email) AS r FROM customers WHERE id = @id;
