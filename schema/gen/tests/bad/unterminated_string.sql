-- expect: {file}:3: syntax error: unterminated string literal
CREATE TABLE t (id bigint PRIMARY KEY);
COMMENT ON TABLE t IS 'it''s never closed;
