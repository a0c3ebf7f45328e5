-- Each room's whiteboard as one compacted Yjs update (the live log since then is in Redis). Written whenever the log
-- grows past its bounds and when the meeting ends, so a board outlives Redis, every Lambda and the meeting itself.
CREATE TABLE IF NOT EXISTS room_whiteboards (
  room_id text PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
  snapshot bytea NOT NULL,
  -- View-only for members (set by a host); kept here so a board hydrated after Redis lost it keeps the setting.
  locked boolean NOT NULL DEFAULT false,
  updated_at timestamp NOT NULL
);
