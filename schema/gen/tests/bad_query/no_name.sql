-- expect: {file}:1: no `-- name: <name> :<kind>` line: nothing to generate
SELECT 1;
