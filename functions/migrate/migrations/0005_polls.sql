-- Polls and their votes, archived as they happen (Redis holds the open poll for the meeting). The host exports them
-- from here during or after the meeting.
CREATE TABLE IF NOT EXISTS room_polls (
  id text PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  question text NOT NULL CHECK (length(question) BETWEEN 1 AND 200),
  -- JSON array of 2–10 option texts, in the order shown.
  options jsonb NOT NULL,
  multiple boolean NOT NULL,
  anonymous boolean NOT NULL,
  results_visible_to_all boolean NOT NULL,
  created_by_sub text NOT NULL,
  created_by_name text NOT NULL,
  opened_at timestamp NOT NULL,
  closes_at timestamp,
  closed_at timestamp,
  close_reason text CHECK (close_reason IN ('host', 'timer'))
);

CREATE INDEX IF NOT EXISTS room_polls_by_room ON room_polls (room_id, opened_at);

-- One row per voter and poll; a changed vote replaces the row. In a named poll `voter_key` is the voter's sub. In an
-- anonymous poll it is HMAC-SHA256 of the sub under a per-poll salt that lives only in Redis while the poll is open
-- (enough to refuse a second vote), and `voter_name` is NULL: once the poll closes, no row leads back to a person.
CREATE TABLE IF NOT EXISTS room_poll_votes (
  poll_id text NOT NULL REFERENCES room_polls (id) ON DELETE CASCADE,
  voter_key text NOT NULL,
  voter_name text,
  -- JSON array of the chosen option indexes.
  option_indexes jsonb NOT NULL,
  voted_at timestamp NOT NULL,
  PRIMARY KEY (poll_id, voter_key)
);
