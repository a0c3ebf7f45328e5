-- The recording lifecycle sweep (functions/recordings/lifecycle.ts, reconcile.ts): it retries an overdue recording a
-- bounded number of times per state, then fails it. It counts its retries against the state they were made in, so
-- a recording that moves on starts the next state with a clean count (no reset on every status update).
ALTER TABLE recordings ADD COLUMN IF NOT EXISTS sweep_status text;
ALTER TABLE recordings ADD COLUMN IF NOT EXISTS sweep_retries integer NOT NULL DEFAULT 0;

-- The sweep scans every active state, not only the queue's; a partial index keeps that cheap as finished
-- recordings pile up.
CREATE INDEX IF NOT EXISTS recordings_active_idx ON recordings (status, updated_at)
  WHERE status IN ('uploading', 'transcoding', 'queued', 'transcribing');

-- A recording made in a meeting is declared at the largest size and learns its real size when it stops: until
-- then the size the API shows is an upper bound, and the page says "live" instead of showing it.
ALTER TABLE recordings ADD COLUMN IF NOT EXISTS live boolean NOT NULL DEFAULT false;

-- `no-speech`: transcoded and playable, but the transcription found no speech. Its own terminal outcome, so that
-- `ready` always means the media and its subtitles are complete.
ALTER TABLE recordings DROP CONSTRAINT IF EXISTS recordings_status_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_status_check
  CHECK (status IN ('uploading', 'transcoding', 'queued', 'transcribing', 'ready', 'no-speech', 'failed'));
