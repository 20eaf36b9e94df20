-- One row per note. `owner` is the kit's principalKey (issuer|subject, or the
-- client installation for shared subjects): every query filters on it, so one
-- user can never address another's notes by id.
CREATE TABLE notes (
  owner      TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  title      TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  created_at INTEGER NOT NULL, -- ms since the epoch
  updated_at INTEGER NOT NULL, -- ms since the epoch
  PRIMARY KEY (owner, id)
);
