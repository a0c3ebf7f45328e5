import type { Sql } from '../shared/sql/sql';
import type { ExportStatus, RecordingExport, RecordingStatus, RecordingSummary } from '../shared/protocol/recordings';
import type { ActiveStatus } from './lifecycle';

/** A recording as stored (keys and upload state included; the API shows the RecordingSummary subset). */
export interface RecordingRecord {
  id: string;
  ownerId: string;
  roomId: string | null;
  title: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sourceKey: string;
  uploadId: string | null;
  partCount: number;
  /** Made in a meeting: declared at the largest size, completed early with the parts it made. */
  live: boolean;
  status: RecordingStatus;
  percent: number | null;
  failureReason: string | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  language: string;
  translate: boolean;
  detectedLanguage: string | null;
  mp4Key: string | null;
  posterKey: string | null;
  audioKey: string | null;
  subtitleVersion: number | null;
  transcribeJobId: string | null;
  exportStatus: ExportStatus | null;
  exportVersion: number | null;
  exportKey: string | null;
  exportReason: string | null;
  /** The state the lifecycle sweep last retried the recording in, and how often (lifecycle.ts). */
  sweepStatus: RecordingStatus | null;
  sweepRetries: number;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  owner_id: string;
  room_id: string | null;
  title: string;
  file_name: string;
  content_type: string;
  size_bytes: number | string;
  source_key: string;
  upload_id: string | null;
  part_count: number;
  live: boolean | null;
  status: RecordingStatus;
  percent: number | null;
  failure_reason: string | null;
  duration_seconds: number | null;
  width: number | null;
  height: number | null;
  language: string;
  translate: boolean;
  detected_language: string | null;
  mp4_key: string | null;
  poster_key: string | null;
  audio_key: string | null;
  subtitle_version: number | null;
  transcribe_job_id: string | null;
  export_status: ExportStatus | null;
  export_version: number | null;
  export_key: string | null;
  export_reason: string | null;
  sweep_status: RecordingStatus | null;
  sweep_retries: number | null;
  created_at: string | Date;
  updated_at: string | Date;
}

/** The Data API returns timestamps as 'YYYY-MM-DD HH:MM:SS[.fff]' in UTC; the API speaks ISO 8601. */
export function isoTimestamp(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  const normalized = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
  const date = new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(normalized) ? normalized : `${normalized}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function fromRow(r: Row): RecordingRecord {
  return {
    id: r.id,
    ownerId: r.owner_id,
    roomId: r.room_id,
    title: r.title,
    fileName: r.file_name,
    contentType: r.content_type,
    sizeBytes: Number(r.size_bytes),
    sourceKey: r.source_key,
    uploadId: r.upload_id,
    partCount: r.part_count,
    live: r.live === true,
    status: r.status,
    percent: r.percent,
    failureReason: r.failure_reason,
    durationSeconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
    width: r.width,
    height: r.height,
    language: r.language,
    translate: r.translate,
    detectedLanguage: r.detected_language,
    mp4Key: r.mp4_key,
    posterKey: r.poster_key,
    audioKey: r.audio_key,
    subtitleVersion: r.subtitle_version,
    transcribeJobId: r.transcribe_job_id,
    exportStatus: r.export_status,
    exportVersion: r.export_version,
    exportKey: r.export_key,
    exportReason: r.export_reason,
    sweepStatus: r.sweep_status ?? null,
    sweepRetries: Number(r.sweep_retries ?? 0),
    createdAt: isoTimestamp(r.created_at),
    updatedAt: isoTimestamp(r.updated_at),
  };
}

export function toSummary(r: RecordingRecord): RecordingSummary {
  return {
    id: r.id,
    title: r.title,
    fileName: r.fileName,
    roomId: r.roomId,
    status: r.status,
    percent: r.status === 'transcribing' ? (r.percent ?? 0) : null,
    failureReason: r.status === 'failed' ? (r.failureReason ?? 'Processing failed') : null,
    durationSeconds: r.durationSeconds,
    sizeBytes: r.sizeBytes,
    language: r.language,
    detectedLanguage: r.detectedLanguage,
    translate: r.translate,
    subtitleVersion: r.subtitleVersion,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function exportOf(r: RecordingRecord, url: string | null): RecordingExport | null {
  if (!r.exportStatus || r.exportVersion === null) return null;
  return { status: r.exportStatus, version: r.exportVersion, reason: r.exportReason, url };
}

export interface NewRecording {
  id: string;
  ownerId: string;
  roomId: string | null;
  title: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sourceKey: string;
  uploadId: string;
  partCount: number;
  live?: boolean;
  language: string;
  translate: boolean;
}

export interface MediaOutputs {
  durationSeconds: number;
  width: number | null;
  height: number | null;
  mp4Key: string;
  posterKey: string | null;
  audioKey: string;
  transcribeJobId: string;
}

/** Statuses from which a transcoded recording may still move on; a failed or ready one is final for the pipeline. */
const IN_PIPELINE = `status IN ('uploading', 'transcoding', 'queued', 'transcribing')`;

/** SQL access for recordings, subtitle versions and transcription jobs (the `Sql` port: Data API or PGlite). */
export class RecordingStore {
  constructor(private readonly sql: Sql) {}

  async create(r: NewRecording): Promise<RecordingRecord> {
    const rows = await this.sql.query<Row>(
      `INSERT INTO recordings (id, owner_id, room_id, title, file_name, content_type, size_bytes, source_key,
         upload_id, part_count, live, status, language, translate)
       VALUES (:id, :ownerId, :roomId, :title, :fileName, :contentType, :sizeBytes, :sourceKey,
         :uploadId, :partCount, :live, 'uploading', :language, :translate)
       RETURNING *`,
      { ...r, live: r.live ?? false },
    );
    return fromRow(rows[0]!);
  }

  async get(id: string): Promise<RecordingRecord | null> {
    const rows = await this.sql.query<Row>(`SELECT * FROM recordings WHERE id = :id`, { id });
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async listByOwner(ownerId: string, limit = 200): Promise<RecordingRecord[]> {
    const rows = await this.sql.query<Row>(
      `SELECT * FROM recordings WHERE owner_id = :ownerId ORDER BY created_at DESC, id LIMIT :limit`,
      { ownerId, limit },
    );
    return rows.map(fromRow);
  }

  /** Active recordings unchanged for longer than their state's budget (seconds, per state), oldest first. */
  async listOverdue(budgets: Readonly<Record<ActiveStatus, number>>, limit = 500): Promise<RecordingRecord[]> {
    const rows = await this.sql.query<Row>(
      `SELECT * FROM recordings
       WHERE (status = 'uploading' AND updated_at < now() - make_interval(secs => :uploading))
          OR (status = 'transcoding' AND updated_at < now() - make_interval(secs => :transcoding))
          OR (status = 'queued' AND updated_at < now() - make_interval(secs => :queued))
          OR (status = 'transcribing' AND updated_at < now() - make_interval(secs => :transcribing))
       ORDER BY updated_at LIMIT :limit`,
      { ...budgets, limit },
    );
    return rows.map(fromRow);
  }

  /**
   * Counts one sweep retry against the recording's current state (and restarts its budget), only if it is still in
   * that state. Returns false when the recording moved on meanwhile: then there is nothing to retry.
   */
  async noteSweepRetry(id: string, status: ActiveStatus): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET
         sweep_retries = CASE WHEN sweep_status = :status THEN sweep_retries + 1 ELSE 1 END,
         sweep_status = :status, updated_at = now()
       WHERE id = :id AND status = :status`,
      { id, status },
    );
    return n === 1;
  }

  /** Recordings still uploading, oldest first (start-up looks for completions a crash kept from being recorded). */
  async listUploading(limit = 500): Promise<RecordingRecord[]> {
    const rows = await this.sql.query<Row>(
      `SELECT * FROM recordings WHERE status = 'uploading' AND upload_id IS NOT NULL ORDER BY updated_at LIMIT :limit`,
      { limit },
    );
    return rows.map(fromRow);
  }

  async listStuckExports(olderThanSeconds: number): Promise<RecordingRecord[]> {
    const rows = await this.sql.query<Row>(
      `SELECT * FROM recordings WHERE export_status IN ('queued', 'rendering')
         AND updated_at < now() - make_interval(secs => :age) ORDER BY updated_at LIMIT 500`,
      { age: olderThanSeconds },
    );
    return rows.map(fromRow);
  }

  /** Sets the title the owner gave it; null when the recording is gone (deleted meanwhile). */
  async rename(id: string, title: string): Promise<RecordingRecord | null> {
    const rows = await this.sql.query<Row>(
      `UPDATE recordings SET title = :title, updated_at = now() WHERE id = :id RETURNING *`,
      { id, title },
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async delete(id: string): Promise<void> {
    await this.sql.execute(`DELETE FROM recordings WHERE id = :id`, { id });
  }

  /** uploading → transcoding, once. Returns false when the upload was already completed (a repeated call). */
  /** `sizeBytes`: what S3 really holds (an in-meeting recording is declared at the largest size and ends early). */
  async markUploaded(id: string, sizeBytes: number): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET status = 'transcoding', upload_id = NULL, size_bytes = :sizeBytes, updated_at = now()
       WHERE id = :id AND status = 'uploading'`,
      { id, sizeBytes },
    );
    return n === 1;
  }

  /** Claims the recording for transcoding. Redelivered S3 events find it already past this step. */
  async claimForTranscode(id: string): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET status = 'transcoding', upload_id = NULL, updated_at = now()
       WHERE id = :id AND status IN ('uploading', 'transcoding')`,
      { id },
    );
    return n === 1;
  }

  async recordMedia(id: string, m: MediaOutputs): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET status = 'queued', percent = NULL, duration_seconds = :durationSeconds, width = :width,
         height = :height, mp4_key = :mp4Key, poster_key = :posterKey, audio_key = :audioKey,
         transcribe_job_id = :transcribeJobId, updated_at = now()
       WHERE id = :id AND status = 'transcoding'`,
      { id, ...m },
    );
    return n === 1;
  }

  /** Playable, but without speech (no audio track, or the transcription heard none): no subtitles to make. */
  async markNoSpeech(id: string): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET status = 'no-speech', percent = NULL, updated_at = now()
       WHERE id = :id AND status IN ('queued', 'transcribing')`,
      { id },
    );
    return n === 1;
  }

  async markFailed(id: string, reason: string): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET status = 'failed', percent = NULL, failure_reason = :reason, updated_at = now()
       WHERE id = :id AND ${IN_PIPELINE}`,
      { id, reason: reason.slice(0, 500) },
    );
    return n === 1;
  }

  async markTranscribing(id: string, percent: number): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET status = 'transcribing', percent = :percent, updated_at = now()
       WHERE id = :id AND status IN ('queued', 'transcribing')`,
      { id, percent: Math.max(0, Math.min(100, Math.round(percent))) },
    );
    return n === 1;
  }

  /** Back to queued (the worker handed the job back, or reconcile re-enqueued it). */
  async markQueued(id: string): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET status = 'queued', percent = NULL, updated_at = now()
       WHERE id = :id AND status IN ('queued', 'transcribing')`,
      { id },
    );
    return n === 1;
  }

  /** Touch without a change, so reconcile() does not take a recording that is just waiting its turn for stuck. */
  async touch(id: string): Promise<void> {
    await this.sql.execute(`UPDATE recordings SET updated_at = now() WHERE id = :id`, { id });
  }

  /** Engine output lands as version 1 (or the next version if an edit raced it) and the recording becomes ready. */
  async recordTranscript(
    id: string,
    t: { version: number; engine: string; language: string | null; cueCount: number; createdBy: string },
  ): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO subtitle_versions (recording_id, version, source, engine, language, cue_count, created_by)
         VALUES (:id, :version, 'engine', :engine, :language, :cueCount, :createdBy)
         ON CONFLICT (recording_id, version) DO NOTHING`,
        { id, ...t },
      );
      await tx.execute(
        `UPDATE recordings SET status = 'ready', percent = NULL, failure_reason = NULL,
           subtitle_version = GREATEST(COALESCE(subtitle_version, 0), :version),
           detected_language = COALESCE(:language, detected_language), updated_at = now()
         WHERE id = :id`,
        { id, version: t.version, language: t.language },
      );
    });
  }

  /**
   * Saves an edit as the next version, only if nobody saved since `baseVersion` (optimistic concurrency).
   * Returns the new version, or null when the base is stale.
   */
  async addEditedVersion(id: string, baseVersion: number, cueCount: number, createdBy: string): Promise<number | null> {
    return this.sql.transaction(async (tx) => {
      const version = baseVersion + 1;
      const n = await tx.execute(
        `UPDATE recordings SET subtitle_version = :version, updated_at = now()
         WHERE id = :id AND subtitle_version = :baseVersion AND status = 'ready'`,
        { id, version, baseVersion },
      );
      if (n !== 1) return null;
      await tx.execute(
        `INSERT INTO subtitle_versions (recording_id, version, source, cue_count, created_by)
         VALUES (:id, :version, 'edit', :cueCount, :createdBy)`,
        { id, version, cueCount, createdBy },
      );
      return version;
    });
  }

  async versions(id: string): Promise<number[]> {
    const rows = await this.sql.query<{ version: number }>(
      `SELECT version FROM subtitle_versions WHERE recording_id = :id ORDER BY version`,
      { id },
    );
    return rows.map((r) => Number(r.version));
  }

  /** The engine that wrote the latest automatic transcript (edits keep its words, so they keep its label). */
  async transcriptEngine(id: string): Promise<string | null> {
    const rows = await this.sql.query<{ engine: string | null }>(
      `SELECT engine FROM subtitle_versions WHERE recording_id = :id AND source = 'engine'
       ORDER BY version DESC LIMIT 1`,
      { id },
    );
    return rows[0]?.engine ?? null;
  }

  async hasVersion(id: string, version: number): Promise<boolean> {
    const rows = await this.sql.query<{ version: number }>(
      `SELECT version FROM subtitle_versions WHERE recording_id = :id AND version = :version`,
      { id, version },
    );
    return rows.length === 1;
  }

  /** Requests a burn-in; refused (false) while another export is queued or rendering. */
  async requestExport(id: string, version: number): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET export_status = 'queued', export_version = :version, export_key = NULL,
         export_reason = NULL, updated_at = now()
       WHERE id = :id AND status = 'ready' AND (export_status IS NULL OR export_status IN ('ready', 'failed'))`,
      { id, version },
    );
    return n === 1;
  }

  async setExport(
    id: string,
    version: number,
    status: ExportStatus,
    fields: { key?: string | null; reason?: string | null } = {},
  ): Promise<boolean> {
    const n = await this.sql.execute(
      `UPDATE recordings SET export_status = :status, export_key = :key, export_reason = :reason, updated_at = now()
       WHERE id = :id AND export_version = :version`,
      { id, version, status, key: fields.key ?? null, reason: fields.reason?.slice(0, 500) ?? null },
    );
    return n === 1;
  }

  // --- transcription jobs ---------------------------------------------------------------------------------------

  async jobStatus(jobId: string): Promise<'running' | 'done' | 'failed' | null> {
    const rows = await this.sql.query<{ status: 'running' | 'done' | 'failed' }>(
      `SELECT status FROM transcription_jobs WHERE job_id = :jobId`,
      { jobId },
    );
    return rows[0]?.status ?? null;
  }

  /** Records an attempt; returns the attempt number (1 for the first delivery). */
  async startJob(jobId: string, recordingId: string, engine: string, workerId: string): Promise<number> {
    const rows = await this.sql.query<{ attempts: number }>(
      `INSERT INTO transcription_jobs (job_id, recording_id, status, attempts, engine, worker_id, started_at)
       VALUES (:jobId, :recordingId, 'running', 1, :engine, :workerId, now())
       ON CONFLICT (job_id) DO UPDATE SET status = 'running', attempts = transcription_jobs.attempts + 1,
         engine = :engine, worker_id = :workerId, started_at = now(), updated_at = now()
       RETURNING attempts`,
      { jobId, recordingId, engine, workerId },
    );
    return Number(rows[0]!.attempts);
  }

  async finishJob(jobId: string): Promise<void> {
    await this.sql.execute(
      `UPDATE transcription_jobs SET status = 'done', last_error = NULL, finished_at = now(), updated_at = now()
       WHERE job_id = :jobId`,
      { jobId },
    );
  }

  async failJob(jobId: string, error: string, final: boolean): Promise<void> {
    await this.sql.execute(
      `UPDATE transcription_jobs SET status = :status, last_error = :error, updated_at = now() WHERE job_id = :jobId`,
      { jobId, error: error.slice(0, 2000), status: final ? 'failed' : 'running' },
    );
  }

  async jobError(jobId: string): Promise<string | null> {
    const rows = await this.sql.query<{ last_error: string | null }>(
      `SELECT last_error FROM transcription_jobs WHERE job_id = :jobId`,
      { jobId },
    );
    return rows[0]?.last_error ?? null;
  }
}
