-- Email accounts (#15): a password next to (or instead of) Google, one identity per verified email address, and a
-- session generation that "sign out everywhere" and a password reset bump to kill every older refresh token.

-- 'email' accounts have no provider subject; a Google account keeps its subject when it gains a password.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_kind_check;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_check;
ALTER TABLE users ADD CONSTRAINT users_kind_check CHECK (kind IN ('guest', 'google', 'email'));

-- Lower-cased address that the person proved they read (our link, or Google's email_verified). Unique, so a second
-- sign-up or a Google sign-in with the same address finds this row instead of making another.
ALTER TABLE users ADD COLUMN IF NOT EXISTS verified_email text CHECK (length(verified_email) <= 254);
-- scrypt$N$r$p$salt$key (functions/auth/passwords.ts); the parameters travel with the hash so they can be raised.
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_hash text CHECK (length(password_hash) <= 256);
ALTER TABLE users ADD COLUMN IF NOT EXISTS session_generation integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX IF NOT EXISTS users_verified_email ON users (verified_email);

ALTER TABLE users ADD CONSTRAINT users_identity_check CHECK (
  CASE kind
    WHEN 'guest' THEN subject IS NULL AND password_hash IS NULL AND verified_email IS NULL
    WHEN 'google' THEN subject IS NOT NULL
    ELSE password_hash IS NOT NULL AND verified_email IS NOT NULL
  END
);

-- The user's session generation when the token family started: a refresh only succeeds while they are equal.
ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS generation integer NOT NULL DEFAULT 0;

-- Links sent by email: verify a sign-up, reset a password. Only the SHA-256 of the link's 256-bit token is kept.
-- A pending sign-up lives here, not in users: an address nobody verified never becomes an account, and a stranger
-- who types someone else's address cannot pre-create (and pre-set the password of) that person's account.
CREATE TABLE IF NOT EXISTS account_email_tokens (
  token_hash text PRIMARY KEY CHECK (length(token_hash) = 64),
  purpose text NOT NULL CHECK (purpose IN ('verify', 'reset')),
  email text NOT NULL CHECK (length(email) <= 254),
  -- reset: the account the link resets.
  user_id text REFERENCES users (id) ON DELETE CASCADE,
  -- verify: what the sign-up chose, applied when the link is followed.
  name text CHECK (length(name) BETWEEN 1 AND 100),
  password_hash text CHECK (length(password_hash) <= 256),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CHECK ((purpose = 'reset') = (user_id IS NOT NULL)),
  CHECK ((purpose = 'verify') = (password_hash IS NOT NULL AND name IS NOT NULL))
);

CREATE INDEX IF NOT EXISTS account_email_tokens_email ON account_email_tokens (email, purpose);

CREATE INDEX IF NOT EXISTS account_email_tokens_expiry ON account_email_tokens (expires_at);
