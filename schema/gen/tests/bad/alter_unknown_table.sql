-- expect: {file}:2: ALTER TABLE of unknown table nope
ALTER TABLE nope ADD COLUMN x integer;
