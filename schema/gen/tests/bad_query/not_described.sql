-- expect: {file}:3: query `fx_not_described` is new or changed since schema/gen/tests/queries/described.txt was written: run `make describe`
-- A well-formed query the committed described.txt has never seen: the build stops.
-- name: fx_not_described :one
SELECT id FROM customers WHERE email = @email;
