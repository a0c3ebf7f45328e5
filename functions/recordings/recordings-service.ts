import { randomUUID } from 'node:crypto';
import { BadRequest, Conflict, NotFound, PayloadTooLarge } from '../shared/errors';
import {
  ACCEPTED_UPLOAD_TYPES,
  LIVE_RECORDING_DECLARED_BYTES,
  MAX_PARTS_PER_REQUEST,
  MAX_UPLOAD_PARTS,
  PART_URL_TTL_SECONDS,
  S3_MIN_PART_BYTES,
  UPLOAD_PART_SIZE,
  baseContentType,
  downloadBaseName,
  isAcceptedUpload,
  recordingKeys,
  type BurnInJob,
  type CompleteUploadRequest,
  type CreateRecordingRequest,
  type CreateRecordingResponse,
  type PresignPartsResponse,
  type PresignedPart,
  type RecordingDetail,
  type RecordingExport,
  type RecordingSummary,
  type SubtitleCue,
  type TranscriptDocument,
} from '../shared/protocol/recordings';
import type { MediaStorage } from './media-storage';
import { exportOf, toSummary, type RecordingRecord, type RecordingStore } from './recording-store';
import { enforceDurations, toSrt, toWebVtt } from './subtitles';

/** Presigned GET links on a detail response live this long (the page re-fetches the detail to refresh them). */
export const GET_URL_TTL_SECONDS = 3600;

export interface RecordingsServiceDeps {
  store: RecordingStore;
  storage: MediaStorage;
  enqueueBurnIn(job: BurnInJob): Promise<void>;
  notify(recording: RecordingRecord): Promise<void>;
  now?: () => Date;
  newId?: () => string;
}

/** What the HTTP routes do, without HTTP: every method takes the caller's user id and checks ownership. */
export class RecordingsService {
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly deps: RecordingsServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.newId = deps.newId ?? randomUUID;
  }

  async create(
    userId: string,
    request: CreateRecordingRequest & { sizeBytes: number },
  ): Promise<CreateRecordingResponse> {
    const { fileName, contentType, sizeBytes } = request;
    if (!isAcceptedUpload(fileName, contentType)) {
      const accepted = Object.entries(ACCEPTED_UPLOAD_TYPES)
        .map(([type, exts]) => `${type} (.${exts.join(', .')})`)
        .join('; ');
      throw new BadRequest(
        `"${fileName}" (${contentType}) is not an accepted recording type; accepted: ${accepted}`,
        undefined,
        'unsupported-type',
      );
    }
    const partCount = Math.ceil(sizeBytes / UPLOAD_PART_SIZE);
    if (partCount > MAX_UPLOAD_PARTS) {
      throw new PayloadTooLarge(`A recording may be at most ${MAX_UPLOAD_PARTS * UPLOAD_PART_SIZE} bytes`);
    }
    const id = this.newId();
    const sourceKey = recordingKeys.source(userId, id);
    const uploadId = await this.deps.storage.createMultipart(sourceKey, baseContentType(contentType));
    const record = await this.deps.store.create({
      id,
      ownerId: userId,
      roomId: request.roomId ?? null,
      title: request.title ?? stripExtension(fileName),
      fileName,
      contentType: baseContentType(contentType),
      sizeBytes,
      sourceKey,
      uploadId,
      partCount,
      live: sizeBytes === LIVE_RECORDING_DECLARED_BYTES,
      language: request.language ?? 'auto',
      translate: request.translate ?? false,
    });
    const first = Array.from({ length: Math.min(partCount, MAX_PARTS_PER_REQUEST) }, (_, i) => i + 1);
    return {
      recording: toSummary(record),
      upload: {
        partSize: UPLOAD_PART_SIZE,
        partCount,
        parts: await this.presign(record, first),
        expiresAt: this.expiry(PART_URL_TTL_SECONDS),
      },
    };
  }

  /** Presigns the asked-for parts and lists the parts S3 already holds, so an interrupted upload can resume. */
  async parts(
    userId: string,
    id: string,
    partNumbers: number[],
    finalPart?: { partNumber: number; sizeBytes: number },
  ): Promise<PresignPartsResponse> {
    const record = await this.uploading(userId, id);
    const outside = [...partNumbers, ...(finalPart ? [finalPart.partNumber] : [])].filter((n) => n > record.partCount);
    if (outside.length > 0) {
      throw new BadRequest(`This upload has ${record.partCount} parts; no part ${outside.join(', ')}`);
    }
    const stored = await this.deps.storage.listParts(record.sourceKey, record.uploadId!);
    if (stored === null) {
      const finished = await this.adoptCompletedUpload(record);
      if (finished) throw new Conflict(`This recording is ${finished.status}; its upload is finished`);
      // URLs for an upload S3 no longer has would each be refused (NoSuchUpload): say so once, and end it.
      throw await this.uploadGone(record);
    }
    const uploaded = stored;
    return {
      partSize: UPLOAD_PART_SIZE,
      partCount: record.partCount,
      parts: [
        ...(await this.presign(
          record,
          [...new Set(partNumbers)].sort((a, b) => a - b),
        )),
        // The last part of a recording made in a meeting, signed for its real length (≤ one part: total ≤ declared).
        ...(finalPart
          ? [
              {
                partNumber: finalPart.partNumber,
                url: await this.deps.storage.presignPart(
                  record.sourceKey,
                  record.uploadId!,
                  finalPart.partNumber,
                  finalPart.sizeBytes,
                  PART_URL_TTL_SECONDS,
                ),
              },
            ]
          : []),
      ],
      uploaded,
      expiresAt: this.expiry(PART_URL_TTL_SECONDS),
    };
  }

  /**
   * Completes the multipart upload after checking it against what was declared: every part present and named,
   * a file's size exactly as declared (a meeting recording's at most). S3 then emits ObjectCreated and
   * transcoding starts.
   */
  async complete(userId: string, id: string, request: CompleteUploadRequest): Promise<RecordingSummary> {
    const record = await this.owned(userId, id);
    if (record.status !== 'uploading') {
      // A repeated complete (the page retried after a lost response) is answered with the current state.
      if (record.uploadId === null) return toSummary(record);
      throw new Conflict(`This recording is ${record.status}, not uploading`);
    }
    const stored = await this.deps.storage.listParts(record.sourceKey, record.uploadId!);
    if (stored === null) {
      const finished = await this.adoptCompletedUpload(record);
      if (finished) return toSummary(finished);
      throw await this.uploadGone(record);
    }
    const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
    const count = request.partCount ?? record.partCount;
    if (count > record.partCount) throw new BadRequest(`This upload has only ${record.partCount} parts`);
    // Only a recording made in a meeting may end before its declared size; a file is completed whole, or the
    // video would be cut off while everything else called it complete.
    if (!record.live && count !== record.partCount) {
      throw new BadRequest(
        `This upload was declared as ${record.partCount} parts (${record.sizeBytes} bytes); complete all ${record.partCount}`,
      );
    }
    // A recording made in a meeting is declared at the largest size and ends early: complete the parts it made.
    const expected = Array.from({ length: count }, (_, i) => i + 1);
    const missing = expected.filter((n) => !byNumber.has(n));
    if (missing.length > 0) throw new BadRequest(`Parts not uploaded yet: ${missing.join(', ')}`);
    const given = new Map(request.parts.map((p) => [p.partNumber, p.etag]));
    for (const n of expected) {
      if (given.get(n) !== byNumber.get(n)!.etag) {
        throw new BadRequest(`Part ${n}: the ETag does not match what S3 stored; upload the part again`);
      }
    }
    if (request.parts.some((p) => p.partNumber > record.partCount)) {
      throw new BadRequest(`This upload has only ${record.partCount} parts`);
    }
    // A part S3 holds beyond the completion would be silently dropped from the assembled file.
    const left = stored.filter((p) => p.partNumber > count).map((p) => p.partNumber);
    if (left.length > 0) {
      const all = Math.max(...left);
      throw new BadRequest(
        `${left.length === 1 ? 'Part' : 'Parts'} ${left.join(', ')} ${left.length === 1 ? 'was' : 'were'} uploaded ` +
          `but ${left.length === 1 ? 'is' : 'are'} not in the completion; complete all ${all} parts`,
      );
    }
    // S3 refuses (EntityTooSmall) a completion with a part under 5 MiB anywhere but last: say which, and keep the
    // upload, so the page can send that part again at full size.
    const short = stored.find((p) => p.partNumber < count && p.size < S3_MIN_PART_BYTES);
    if (short) {
      throw new BadRequest(
        `Part ${short.partNumber} is ${short.size} bytes: every part but the last must be at least ` +
          `${S3_MIN_PART_BYTES} bytes; upload it again at full size`,
      );
    }
    const total = stored.filter((p) => p.partNumber <= count).reduce((n, p) => n + p.size, 0);
    if (total > record.sizeBytes) {
      // The bytes are gone, so the recording cannot go on: it ends failed (a state the owner sees and can delete),
      // never `uploading` with an upload that no longer exists.
      const reason = `Uploaded ${total} bytes but declared ${record.sizeBytes}; the upload was discarded`;
      await this.abortUpload(record);
      await this.failUpload(record, `${reason}. Upload the file again.`);
      throw new PayloadTooLarge(reason);
    }
    if (!record.live && total !== record.sizeBytes) {
      const reason = `Uploaded ${total} bytes but declared ${record.sizeBytes}; the upload was cut short`;
      await this.abortUpload(record);
      await this.failUpload(record, `${reason}. Upload the file again.`);
      throw new BadRequest(reason);
    }
    await this.deps.storage.completeMultipart(
      record.sourceKey,
      record.uploadId!,
      expected.map((n) => ({ partNumber: n, etag: byNumber.get(n)!.etag })),
    );
    await this.deps.store.markUploaded(record.id, total);
    const updated = (await this.deps.store.get(record.id))!;
    await this.deps.notify(updated);
    return toSummary(updated);
  }

  /** PATCH: the owner renames it in any state; anyone else learns nothing about it (404, as for an unknown id). */
  async rename(userId: string, id: string, title: string): Promise<RecordingSummary> {
    const record = await this.owned(userId, id);
    const renamed = await this.deps.store.rename(record.id, title);
    if (!renamed) throw new NotFound('No such recording');
    return toSummary(renamed);
  }

  /**
   * DELETE works in every state (lifecycle.ts): an unfinished upload is aborted (S3 frees the parts), every object
   * the recording has (source, media, subtitles, exports) is deleted, then its rows. A transcode or transcription
   * still running for it finds no row afterwards and stops writing (every store update is conditional on it).
   */
  async remove(userId: string, id: string): Promise<void> {
    const record = await this.owned(userId, id);
    await this.abortUpload(record);
    for (const prefix of recordingPrefixes(record)) await this.deps.storage.deletePrefix(prefix);
    await this.deps.store.delete(record.id);
  }

  async list(userId: string): Promise<RecordingSummary[]> {
    return (await this.deps.store.listByOwner(userId)).map(toSummary);
  }

  async detail(userId: string, id: string): Promise<RecordingDetail> {
    const r = await this.owned(userId, id);
    const get = (key: string, name?: string) => this.deps.storage.presignGet(key, GET_URL_TTL_SECONDS, name);
    const media = r.mp4Key ? { mp4: await get(r.mp4Key), poster: r.posterKey ? await get(r.posterKey) : null } : null;
    const base = downloadBaseName(r.fileName);
    const v = r.subtitleVersion;
    const subtitles =
      v === null
        ? null
        : {
            version: v,
            vtt: await get(recordingKeys.subtitles(r.id, v, 'vtt')),
            srt: await get(recordingKeys.subtitles(r.id, v, 'srt'), `${base}.v${v}.srt`),
            json: await get(recordingKeys.subtitles(r.id, v, 'json'), `${base}.v${v}.json`),
          };
    const exportUrl =
      r.exportStatus === 'ready' && r.exportKey ? await get(r.exportKey, `${base}.subtitled.mp4`) : null;
    return {
      ...toSummary(r),
      media,
      subtitles,
      versions: await this.deps.store.versions(r.id),
      transcriptEngine: v === null ? null : await this.deps.store.transcriptEngine(r.id),
      export: exportOf(r, exportUrl),
      urlsExpireAt: this.expiry(GET_URL_TTL_SECONDS),
    };
  }

  /** Saves edited cues as version base+1 (VTT, SRT and JSON); a stale base is a conflict, never an overwrite. */
  async saveSubtitles(userId: string, id: string, baseVersion: number, cues: SubtitleCue[]): Promise<number> {
    const r = await this.owned(userId, id);
    if (r.status !== 'ready' || r.subtitleVersion === null) {
      throw new Conflict('Subtitles can be edited once the recording is ready');
    }
    if (baseVersion !== r.subtitleVersion) {
      throw new Conflict(`Version ${r.subtitleVersion} was saved after the one you edited (${baseVersion}); reload`);
    }
    if (r.durationSeconds !== null && cues.some((c) => c.start > r.durationSeconds! + 1)) {
      throw new BadRequest(`A cue starts after the end of the recording (${r.durationSeconds.toFixed(1)} s)`);
    }
    // Edited cues keep the editor's timing except where it breaks the 1–7 s readability rule.
    const clean = enforceDurations(cues.map((c) => ({ start: c.start, end: c.end, text: c.text })));
    const version = baseVersion + 1;
    const doc: TranscriptDocument = {
      recordingId: r.id,
      version,
      engine: 'edit',
      language: r.detectedLanguage,
      durationSeconds: r.durationSeconds,
      cues: clean,
      words: [],
    };
    // Objects first: a version row never points at missing files. A lost race leaves files a later save overwrites.
    await this.deps.storage.putText(recordingKeys.subtitles(r.id, version, 'vtt'), toWebVtt(clean), 'text/vtt');
    await this.deps.storage.putText(
      recordingKeys.subtitles(r.id, version, 'srt'),
      toSrt(clean),
      'application/x-subrip',
    );
    await this.deps.storage.putText(
      recordingKeys.subtitles(r.id, version, 'json'),
      JSON.stringify(doc),
      'application/json',
    );
    const saved = await this.deps.store.addEditedVersion(r.id, baseVersion, clean.length, userId);
    if (saved === null) throw new Conflict('Someone saved a newer version meanwhile; reload and edit again');
    return saved;
  }

  async requestBurnIn(userId: string, id: string, version?: number): Promise<RecordingExport> {
    const r = await this.owned(userId, id);
    if (r.status !== 'ready' || r.subtitleVersion === null) {
      throw new Conflict('A subtitled video can be made once the recording is ready');
    }
    const v = version ?? r.subtitleVersion;
    if (!(await this.deps.store.hasVersion(r.id, v))) throw new NotFound(`No subtitle version ${v}`);
    if (!(await this.deps.store.requestExport(r.id, v))) {
      throw new Conflict('A subtitled video is already being made; wait for it to finish');
    }
    try {
      await this.deps.enqueueBurnIn({ recordingId: r.id, ownerId: r.ownerId, version: v });
    } catch (error) {
      await this.deps.store.setExport(r.id, v, 'failed', { reason: 'Could not queue the export; try again' });
      throw error;
    }
    return { status: 'queued', version: v, reason: null, url: null };
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  /** Another user's recording is reported as missing, not forbidden: ids must not be probeable. */
  private async owned(userId: string, id: string): Promise<RecordingRecord> {
    const record = await this.deps.store.get(id);
    if (!record || record.ownerId !== userId) throw new NotFound('No such recording');
    return record;
  }

  private async uploading(userId: string, id: string): Promise<RecordingRecord> {
    const record = await this.owned(userId, id);
    if (record.status === 'failed') {
      throw new Conflict(`This recording failed: ${record.failureReason ?? 'its upload was discarded'}`);
    }
    if (record.status !== 'uploading' || !record.uploadId) {
      throw new Conflict(`This recording is ${record.status}; its upload is finished`);
    }
    return record;
  }

  private async presign(record: RecordingRecord, partNumbers: number[]): Promise<PresignedPart[]> {
    return Promise.all(
      partNumbers.map(async (partNumber) => ({
        partNumber,
        url: await this.deps.storage.presignPart(
          record.sourceKey,
          record.uploadId!,
          partNumber,
          partSize(record, partNumber),
          PART_URL_TTL_SECONDS,
        ),
      })),
    );
  }

  /**
   * The multipart upload is gone but S3 holds the whole object: S3 completed it and the process died (or the
   * response was lost) before the row said so. The object is the truth: the recording moves on to transcoding,
   * which S3's event starts (the local cloud's start-up reconciliation re-sends an event that died with it).
   * Returns null when the object is not there whole (the upload was aborted or discarded).
   */
  private async adoptCompletedUpload(record: RecordingRecord): Promise<RecordingRecord | null> {
    const size = await this.deps.storage.size(record.sourceKey);
    if (!isWholeUpload(record, size)) return null;
    await this.deps.store.markUploaded(record.id, size!);
    const updated = (await this.deps.store.get(record.id))!;
    await this.deps.notify(updated);
    return updated;
  }

  /**
   * S3 no longer has the upload and holds no whole file for it: aborted (the bucket's rule for incomplete uploads,
   * or a DELETE that raced) with nothing to resume. The recording ends failed with that reason, never `uploading`
   * with URLs that every part PUT would be refused on.
   */
  private async uploadGone(record: RecordingRecord): Promise<Conflict> {
    await this.failUpload(record, 'The upload was discarded before it was completed. Upload the file again.');
    return new Conflict('The upload no longer exists; upload the file again');
  }

  private async failUpload(record: RecordingRecord, reason: string): Promise<void> {
    if (!(await this.deps.store.markFailed(record.id, reason))) return;
    const failed = await this.deps.store.get(record.id);
    if (failed) await this.deps.notify(failed);
  }

  private async abortUpload(record: RecordingRecord): Promise<void> {
    if (record.uploadId) await this.deps.storage.abortMultipart(record.sourceKey, record.uploadId);
  }

  private expiry(seconds: number): string {
    return new Date(this.now().getTime() + seconds * 1000).toISOString();
  }
}

/** An assembled source of this size is the upload the recording declared: exactly, or at most for a meeting's. */
export function isWholeUpload(record: { sizeBytes: number; live: boolean }, size: number | null): boolean {
  if (size === null || size === 0) return false;
  return record.live ? size <= record.sizeBytes : size === record.sizeBytes;
}

/** Every part is UPLOAD_PART_SIZE except the last, which holds the rest of the declared size. */
export function partSize(record: { sizeBytes: number; partCount: number }, partNumber: number): number {
  return partNumber < record.partCount
    ? UPLOAD_PART_SIZE
    : record.sizeBytes - (record.partCount - 1) * UPLOAD_PART_SIZE;
}

/** Every folder a recording's objects live in (recordingKeys): deleting these leaves nothing of it behind. */
function recordingPrefixes(r: RecordingRecord): string[] {
  const folder = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);
  return [folder(r.sourceKey), folder(recordingKeys.mp4(r.id)), folder(recordingKeys.subtitles(r.id, 1, 'vtt'))];
}

function stripExtension(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return (dot > 0 ? fileName.slice(0, dot) : fileName).slice(0, 200);
}
