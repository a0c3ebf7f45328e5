-- Rooms and who may be in them. Live state (roster, chat ring buffer, lobby queue) is in Redis; this is the
-- durable part: settings, roles, removals and the chat archive. Identities (`sub`) are text: guests are not rows
-- in `users`, so there is no foreign key to it.
CREATE TABLE IF NOT EXISTS rooms (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  created_by text NOT NULL,
  -- 'scrypt$N$r$p$salt$hash' with a per-room salt; NULL when the room has no password.
  password_hash text,
  lobby boolean NOT NULL DEFAULT false,
  locked boolean NOT NULL DEFAULT false,
  max_participants integer NOT NULL CHECK (max_participants BETWEEN 2 AND 100),
  created_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
  ended_at timestamp
);

-- Everyone who has been let in, with their current role. One host per room at a time (partial unique index).
CREATE TABLE IF NOT EXISTS room_members (
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  sub text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('host', 'cohost', 'member')),
  first_joined_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
  PRIMARY KEY (room_id, sub)
);

CREATE UNIQUE INDEX IF NOT EXISTS room_members_one_host ON room_members (room_id) WHERE role = 'host';

-- Removed identities cannot rejoin the room (checked at HTTP join, socket join and knock).
CREATE TABLE IF NOT EXISTS room_removals (
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  sub text NOT NULL,
  removed_by text NOT NULL,
  reason text,
  removed_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
  PRIMARY KEY (room_id, sub)
);

-- Every chat message, verbatim. Redis keeps only the latest 50 for late joiners.
CREATE TABLE IF NOT EXISTS room_chat_messages (
  id text PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  sender_sub text NOT NULL,
  sender_peer_id text NOT NULL,
  sender_name text NOT NULL,
  body text NOT NULL CHECK (length(body) <= 2000),
  sent_at timestamp NOT NULL
);

CREATE INDEX IF NOT EXISTS room_chat_messages_by_room ON room_chat_messages (room_id, sent_at);
