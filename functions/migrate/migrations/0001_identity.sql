-- Identity: users (guests and Google accounts) and their refresh tokens. Ids are UUID strings kept as text, like
-- every other table, so the same SQL runs through the Data API and PGlite without ::uuid casts.
CREATE TABLE IF NOT EXISTS users (
  id text PRIMARY KEY CHECK (length(id) = 36),
  kind text NOT NULL CHECK (kind IN ('guest', 'google')),
  -- For Google accounts: the ID token's iss and sub, the only stable identity (emails change and get reused).
  issuer text,
  subject text,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  email text,
  picture text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'guest') = (subject IS NULL)),
  UNIQUE (issuer, subject)
);

-- Refresh tokens are random 256-bit strings handed out once in an HttpOnly cookie; only their SHA-256 is kept,
-- so a leaked table cannot be replayed. Each use rotates the token inside its family; presenting a token that was
-- already rotated away revokes the whole family (a stolen cookie stops working for thief and victim alike).
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash text PRIMARY KEY CHECK (length(token_hash) = 64),
  family_id text NOT NULL CHECK (length(family_id) = 36),
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz,
  revoked_at timestamptz
);

CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id);

CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (user_id);

-- Lets a periodic cleanup (or the next sign-in) drop expired rows cheaply.
CREATE INDEX IF NOT EXISTS refresh_tokens_expiry ON refresh_tokens (expires_at);
