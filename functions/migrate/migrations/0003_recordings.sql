-- Recordings: one row per upload. Ids are UUID strings kept as text so the same SQL runs through the Data API
-- (which would need ::uuid casts on every parameter) and PGlite alike.
CREATE TABLE IF NOT EXISTS recordings (
  id text PRIMARY KEY CHECK (length(id) = 36),
  owner_id text NOT NULL,
  room_id text,
  title text NOT NULL,
  file_name text NOT NULL,
  content_type text NOT NULL,
  size_bytes bigint NOT NULL,
  source_key text NOT NULL UNIQUE,
  upload_id text,
  part_count integer NOT NULL,
  status text NOT NULL CHECK (status IN ('uploading', 'transcoding', 'queued', 'transcribing', 'ready', 'failed')),
  percent integer CHECK (percent BETWEEN 0 AND 100),
  failure_reason text,
  duration_seconds double precision,
  width integer,
  height integer,
  language text NOT NULL DEFAULT 'auto',
  translate boolean NOT NULL DEFAULT false,
  detected_language text,
  mp4_key text,
  poster_key text,
  audio_key text,
  subtitle_version integer,
  transcribe_job_id text,
  export_status text CHECK (export_status IN ('queued', 'rendering', 'ready', 'failed')),
  export_version integer,
  export_key text,
  export_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS recordings_owner_created_idx ON recordings (owner_id, created_at DESC);

-- reconcile() scans for work stuck in the queue; a partial index keeps that cheap as finished recordings pile up.
CREATE INDEX IF NOT EXISTS recordings_pending_idx ON recordings (status) WHERE status IN ('queued', 'transcribing');

-- Every subtitle version ever written (engine output is v1; each saved edit adds one). Objects live at
-- subtitles/{recording_id}/v{version}.vtt|srt|json.
CREATE TABLE IF NOT EXISTS subtitle_versions (
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  source text NOT NULL CHECK (source IN ('engine', 'edit')),
  engine text,
  language text,
  cue_count integer NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, version)
);

-- Transcription jobs by id: SQS delivers at least once, so the worker checks here before doing work again and
-- records the last error of a job that keeps failing (it ends in the DLQ after maxReceiveCount).
CREATE TABLE IF NOT EXISTS transcription_jobs (
  job_id text PRIMARY KEY,
  recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  engine text,
  worker_id text,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS transcription_jobs_recording_idx ON transcription_jobs (recording_id);
