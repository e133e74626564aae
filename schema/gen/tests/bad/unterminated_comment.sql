-- expect: {file}:3: syntax error: unterminated /* comment
CREATE TABLE t (id bigint PRIMARY KEY);
/* opened /* nested */ but never closed
