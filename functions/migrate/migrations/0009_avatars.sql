-- Profile pictures (#15): the key of the account's current avatar in the avatars bucket
-- (avatars/<userId>/<random>.webp), served by CloudFront under the same path. NULL: no picture (initials show).
-- The URL is derived from the key, so a move of the CDN never needs a data migration.
ALTER TABLE users ADD COLUMN IF NOT EXISTS avatar_key text;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_avatar_key_shape;
ALTER TABLE users ADD CONSTRAINT users_avatar_key_shape CHECK (
  avatar_key IS NULL OR (avatar_key LIKE 'avatars/%' AND length(avatar_key) <= 200)
);
