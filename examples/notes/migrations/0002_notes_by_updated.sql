-- list_notes and the notes://recent resource read a user's notes newest first.
CREATE INDEX notes_owner_updated ON notes (owner, updated_at DESC);
