-- expect: {file}:3: syntax error: unterminated dollar-quoted string $body$
CREATE TABLE t (id bigint PRIMARY KEY);
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$
    SELECT 1;
$$;
