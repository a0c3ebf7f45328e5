import * as z from 'zod';

/*
 * The recordings HTTP API (`/api/recordings…`) and the live status messages pushed to the owner's user sockets and
 * room sockets (the room socket's `serverMessageSchema` includes them).
 * Shared by the browser (frontend/) and the Lambdas: the page validates what it receives with the same schemas
 * the server validates what it accepts with.
 */

// ---------------------------------------------------------------------------------------------------------------
// Limits. The size limit is enforced by the server as parts × part size: a client can only upload into part URLs
// the server presigned, and completion re-checks the stored size.

/**
 * S3 multipart: CompleteMultipartUpload refuses (EntityTooSmall) any part but the last under 5 MiB; the local S3
 * stand-in refuses the same.
 */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
/** Every part but the last is this size: 16 MiB (≥ S3_MIN_PART_BYTES) keeps a 2 GiB file under 128 parts. */
export const UPLOAD_PART_SIZE = 16 * 1024 * 1024;
export const MAX_UPLOAD_PARTS = 128;
export const MAX_UPLOAD_BYTES = UPLOAD_PART_SIZE * MAX_UPLOAD_PARTS;
/**
 * A recording made in a meeting learns its size only when it stops: it declares this (the largest size) and
 * completes early with the parts it made. Any other declared size is a file's exact size, completed in full.
 */
export const LIVE_RECORDING_DECLARED_BYTES = MAX_UPLOAD_BYTES;
/** Presigned part URLs live this long; the page asks for more (`POST …/parts`) to resume after that. */
export const PART_URL_TTL_SECONDS = 3600;
/** Presign at most this many part URLs in one response (keeps a response small; resume asks again). */
export const MAX_PARTS_PER_REQUEST = 32;
/**
 * Default longest recording accepted (seconds); `RECORDINGS_MAX_SECONDS` overrides it on the server. Bounded by
 * the transcoder: one Lambda run must finish within its 15 minute limit.
 */
export const DEFAULT_MAX_DURATION_SECONDS = 2 * 3600;
/** The longest file name (and title) a recording may have, in UTF-16 units as JavaScript counts them. */
export const MAX_FILE_NAME_LENGTH = 200;

/** Upload types we accept, by content type, each with the file extensions that may carry it. */
export const ACCEPTED_UPLOAD_TYPES = {
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'video/quicktime': ['mov'],
  'video/x-matroska': ['mkv'],
  'audio/mpeg': ['mp3'],
  'audio/mp4': ['m4a', 'mp4'],
  'audio/wav': ['wav'],
  'audio/x-wav': ['wav'],
  'audio/webm': ['webm', 'weba'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'audio/flac': ['flac'],
} as const satisfies Record<string, readonly string[]>;
export type AcceptedContentType = keyof typeof ACCEPTED_UPLOAD_TYPES;

/** Content types as browsers report them can carry parameters (`video/webm;codecs=vp9,opus`): compare the base. */
export function baseContentType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

export function fileExtension(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

/**
 * The name downloads are saved under (before `.v1.srt` and the like): the uploaded file's name without its
 * extension, unicode kept; only characters no file system allows in a name are replaced.
 */
export function downloadBaseName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const base = (dot >= 0 ? fileName.slice(0, dot) : fileName)
    // eslint-disable-next-line no-control-regex
    .replace(/[/\\:*?"<>|\u0000-\u001f\u007f]+/g, '_')
    .trim()
    .slice(0, MAX_FILE_NAME_LENGTH);
  return base || 'recording';
}

/** True when the content type is accepted and the file name's extension fits it. */
export function isAcceptedUpload(fileName: string, contentType: string): boolean {
  const allowed = (ACCEPTED_UPLOAD_TYPES as Record<string, readonly string[]>)[baseContentType(contentType)];
  return allowed !== undefined && allowed.includes(fileExtension(fileName));
}

// ---------------------------------------------------------------------------------------------------------------
// Status

/**
 * `no-speech`: finished and playable, but there is no speech in it (no audio track, or the transcription heard
 * nothing), so it has no subtitles. Its own outcome, so that `ready` always means media and subtitles.
 */
export const RECORDING_STATUSES = [
  'uploading',
  'transcoding',
  'queued',
  'transcribing',
  'ready',
  'no-speech',
  'failed',
] as const;
export const RecordingStatus = z.enum(RECORDING_STATUSES);
export type RecordingStatus = z.infer<typeof RecordingStatus>;
/** The states a recording ends in: nothing moves it on from these (functions/recordings/lifecycle.ts). */
export const TERMINAL_RECORDING_STATUSES = [
  'ready',
  'no-speech',
  'failed',
] as const satisfies readonly RecordingStatus[];

export const EXPORT_STATUSES = ['queued', 'rendering', 'ready', 'failed'] as const;
export const ExportStatus = z.enum(EXPORT_STATUSES);
export type ExportStatus = z.infer<typeof ExportStatus>;

export const RecordingId = z.uuid();
/** Whisper language codes are ISO 639-1 (two letters) plus a few three-letter ones; `auto` asks the engine to detect. */
export const LanguageCode = z.union([z.literal('auto'), z.string().regex(/^[a-z]{2,3}$/, 'use an ISO 639-1 code')]);

/** C0 controls and DEL (bidi overrides are left to rendering with textContent); newlines only where allowed. */
function hasControlCharacters(s: string, allowNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 || c === 0x7f) && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}

/** Free text a user typed (titles, file names): no control characters, trimmed, bounded. */
const UserText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max, tooLong)
    .refine((s) => !hasControlCharacters(s, false), 'must not contain control characters');

// ---------------------------------------------------------------------------------------------------------------
// Subtitle cues (what the editor sends back). Times are seconds from the start of the media.

export const CUE_MAX_TEXT = 200;
export const CUE_MAX_LINES = 3;
export const MAX_CUES = 10_000;

export const SubtitleCue = z
  .object({
    start: z.number().finite().min(0),
    end: z.number().finite().min(0),
    text: z
      .string()
      .trim()
      .min(1, 'a cue needs text')
      .max(CUE_MAX_TEXT)
      // "-->" would end the cue timing line early in WebVTT; a blank line would end the cue.
      .refine((s) => !s.includes('-->'), 'must not contain "-->"')
      .refine((s) => !/\n\s*\n/.test(s), 'must not contain blank lines')
      .refine((s) => s.split('\n').length <= CUE_MAX_LINES, `at most ${CUE_MAX_LINES} lines`)
      .refine((s) => !hasControlCharacters(s, true), 'must not contain control characters'),
  })
  .refine((c) => c.end > c.start, { message: 'a cue must end after it starts', path: ['end'] });
export type SubtitleCue = z.infer<typeof SubtitleCue>;

/** Cues in time order (overlap allowed only as WebVTT allows it: starts must not go backwards). */
export const SubtitleCues = z
  .array(SubtitleCue)
  .min(1)
  .max(MAX_CUES)
  .superRefine((cues, ctx) => {
    for (let i = 1; i < cues.length; i++) {
      if (cues[i]!.start < cues[i - 1]!.start) {
        ctx.addIssue({ code: 'custom', message: 'cues must be in start-time order', path: [i, 'start'] });
        return;
      }
    }
  });

/** A word with its timing, as in the JSON transcript. */
export const TranscriptWord = z.object({
  word: z.string(),
  start: z.number(),
  end: z.number(),
  confidence: z.number().min(0).max(1).optional(),
});
export type TranscriptWord = z.infer<typeof TranscriptWord>;

/** The JSON transcript stored beside the VTT/SRT (`subtitles/{id}/v{n}.json`). */
export const TranscriptDocument = z.object({
  recordingId: RecordingId,
  version: z.number().int().positive(),
  engine: z.string(),
  language: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  cues: z.array(z.object({ start: z.number(), end: z.number(), text: z.string() })),
  words: z.array(TranscriptWord),
});
export type TranscriptDocument = z.infer<typeof TranscriptDocument>;

// ---------------------------------------------------------------------------------------------------------------
// HTTP API

/** POST /api/recordings */
export const CreateRecordingRequest = z.object({
  fileName: UserText(
    MAX_FILE_NAME_LENGTH,
    `The file name is longer than ${MAX_FILE_NAME_LENGTH} characters; rename the file and pick it again`,
  ),
  contentType: z.string().min(3).max(120),
  sizeBytes: z
    .number()
    .int()
    .positive()
    .max(MAX_UPLOAD_BYTES, `a recording may be at most ${MAX_UPLOAD_BYTES / 1024 ** 3} GiB`),
  title: UserText(MAX_FILE_NAME_LENGTH, `The title is longer than ${MAX_FILE_NAME_LENGTH} characters`).optional(),
  /** Set when the host recorded in a meeting; the room id only labels it (ownership is the uploader's). */
  roomId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  language: LanguageCode.default('auto'),
  /** Whisper only: translate the speech into English subtitles. */
  translate: z.boolean().default(false),
});
export type CreateRecordingRequest = z.input<typeof CreateRecordingRequest>;

export const PresignedPart = z.object({ partNumber: z.number().int().min(1).max(MAX_UPLOAD_PARTS), url: z.url() });
export type PresignedPart = z.infer<typeof PresignedPart>;

export const UploadedPart = z.object({
  partNumber: z.number().int().min(1).max(MAX_UPLOAD_PARTS),
  etag: z.string().min(1).max(200),
  size: z.number().int().nonnegative(),
});
export type UploadedPart = z.infer<typeof UploadedPart>;

export const UploadPlan = z.object({
  partSize: z.number().int().positive(),
  partCount: z.number().int().min(1).max(MAX_UPLOAD_PARTS),
  /** The first parts' URLs (up to MAX_PARTS_PER_REQUEST); ask `POST …/parts` for the rest. */
  parts: z.array(PresignedPart),
  expiresAt: z.string(),
});
export type UploadPlan = z.infer<typeof UploadPlan>;

/** POST /api/recordings/{id}/parts — presign more parts, and learn which parts S3 already holds (resume). */
export const PresignPartsRequest = z.object({
  partNumbers: z.array(z.number().int().min(1).max(MAX_UPLOAD_PARTS)).max(MAX_PARTS_PER_REQUEST).default([]),
  /**
   * A recording made in a meeting learns its size only when it stops: it declares the largest size at the start
   * and asks here for its last part, presigned for that part's real length (at most one part's size).
   */
  finalPart: z
    .object({
      partNumber: z.number().int().min(1).max(MAX_UPLOAD_PARTS),
      sizeBytes: z.number().int().min(1).max(UPLOAD_PART_SIZE),
    })
    .optional(),
});
export type PresignPartsRequest = z.input<typeof PresignPartsRequest>;
export const PresignPartsResponse = z.object({
  partSize: z.number().int().positive(),
  partCount: z.number().int().positive(),
  parts: z.array(PresignedPart),
  uploaded: z.array(UploadedPart),
  expiresAt: z.string(),
});
export type PresignPartsResponse = z.infer<typeof PresignPartsResponse>;

/** POST /api/recordings/{id}/complete — the ETag of every part, as S3 returned it on each PUT. */
export const CompleteUploadRequest = z.object({
  /** A recording made in a meeting (declared at the largest size) ends after this many parts; default: all declared. */
  partCount: z.number().int().min(1).max(MAX_UPLOAD_PARTS).optional(),
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(MAX_UPLOAD_PARTS), etag: z.string().min(1).max(200) }))
    .min(1)
    .max(MAX_UPLOAD_PARTS),
});
export type CompleteUploadRequest = z.infer<typeof CompleteUploadRequest>;

/** PUT /api/recordings/{id}/subtitles — saves the edited cues as a new version. */
export const SaveSubtitlesRequest = z.object({
  /** The version the edit started from: a stale base (someone saved since) is refused with 409. */
  baseVersion: z.number().int().positive(),
  cues: SubtitleCues,
});
export type SaveSubtitlesRequest = z.input<typeof SaveSubtitlesRequest>;
export const SaveSubtitlesResponse = z.object({ version: z.number().int().positive() });
export type SaveSubtitlesResponse = z.infer<typeof SaveSubtitlesResponse>;

/** The longest title a rename may set: what the list and the detail show whole. */
export const MAX_TITLE_LENGTH = 120;

/** PATCH /api/recordings/{id} — renames the recording (its title; the file name and downloads keep theirs). */
export const RenameRecordingRequest = z
  .object({
    title: z
      .string('The title must be text')
      .trim()
      .min(1, 'The title must not be empty')
      .max(MAX_TITLE_LENGTH, `The title is longer than ${MAX_TITLE_LENGTH} characters`)
      .refine((s) => !hasControlCharacters(s, false), 'The title must not contain control characters'),
  })
  .strict();
export type RenameRecordingRequest = z.input<typeof RenameRecordingRequest>;

/** POST /api/recordings/{id}/exports — burn subtitles into a new MP4 (default: the latest version). */
export const BurnInRequest = z.object({ version: z.number().int().positive().optional() });
export type BurnInRequest = z.infer<typeof BurnInRequest>;

export const RecordingExport = z.object({
  status: ExportStatus,
  version: z.number().int().positive(),
  reason: z.string().nullable(),
  url: z.url().nullable(),
});
export type RecordingExport = z.infer<typeof RecordingExport>;

/** One row of "my recordings" — also the shape of each list entry. */
export const RecordingSummary = z.object({
  id: RecordingId,
  title: z.string(),
  fileName: z.string(),
  roomId: z.string().nullable(),
  status: RecordingStatus,
  /** Transcription progress 0–100 while `transcribing`, else null. */
  percent: z.number().min(0).max(100).nullable(),
  /** Why it failed, in words a user can act on; null unless `failed`. */
  failureReason: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  sizeBytes: z.number(),
  language: z.string(),
  detectedLanguage: z.string().nullable(),
  translate: z.boolean(),
  subtitleVersion: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RecordingSummary = z.infer<typeof RecordingSummary>;

export const SubtitleLinks = z.object({
  version: z.number().int().positive(),
  vtt: z.url(),
  srt: z.url(),
  json: z.url(),
});
export type SubtitleLinks = z.infer<typeof SubtitleLinks>;

/** GET /api/recordings/{id} — presigned GET URLs valid for `urlsExpireAt`. */
/** The speech engine the worker runs when Whisper is not installed (local machines): offline, English, weaker. */
export const LOCAL_SPEECH_ENGINE = 'pocketsphinx';

export const RecordingDetail = RecordingSummary.extend({
  media: z.object({ mp4: z.url(), poster: z.url().nullable() }).nullable(),
  subtitles: SubtitleLinks.nullable(),
  /** The engine that wrote the automatic transcript (e.g. 'whisper-cpp', LOCAL_SPEECH_ENGINE); null before one. */
  transcriptEngine: z.string().max(64).nullable(),
  versions: z.array(z.number().int().positive()),
  export: RecordingExport.nullable(),
  urlsExpireAt: z.string(),
});
export type RecordingDetail = z.infer<typeof RecordingDetail>;

export const CreateRecordingResponse = z.object({ recording: RecordingSummary, upload: UploadPlan });
export type CreateRecordingResponse = z.infer<typeof CreateRecordingResponse>;
export const ListRecordingsResponse = z.object({ recordings: z.array(RecordingSummary) });
export type ListRecordingsResponse = z.infer<typeof ListRecordingsResponse>;
export const RecordingResponse = z.object({ recording: RecordingDetail });
export type RecordingResponse = z.infer<typeof RecordingResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Live status (server → browser on the owner's user and room sockets). Best effort: the HTTP list is the truth.

export const RecordingStatusMessage = z.discriminatedUnion('status', [
  z.object({ type: z.literal('recording.status'), recordingId: RecordingId, status: z.literal('uploading') }),
  z.object({ type: z.literal('recording.status'), recordingId: RecordingId, status: z.literal('transcoding') }),
  /** Waiting for a worker: the fleet may be starting (a GPU instance takes minutes to boot). */
  z.object({ type: z.literal('recording.status'), recordingId: RecordingId, status: z.literal('queued') }),
  z.object({
    type: z.literal('recording.status'),
    recordingId: RecordingId,
    status: z.literal('transcribing'),
    percent: z.number().min(0).max(100),
  }),
  z.object({
    type: z.literal('recording.status'),
    recordingId: RecordingId,
    status: z.literal('ready'),
    subtitleVersion: z.number().int().positive().nullable(),
  }),
  z.object({ type: z.literal('recording.status'), recordingId: RecordingId, status: z.literal('no-speech') }),
  z.object({
    type: z.literal('recording.status'),
    recordingId: RecordingId,
    status: z.literal('failed'),
    reason: z.string(),
  }),
]);
export type RecordingStatusMessage = z.infer<typeof RecordingStatusMessage>;

export const RecordingExportMessage = z.object({
  type: z.literal('recording.export'),
  recordingId: RecordingId,
  status: ExportStatus,
  version: z.number().int().positive(),
  reason: z.string().nullable(),
});
export type RecordingExportMessage = z.infer<typeof RecordingExportMessage>;

/** Every message the recordings pipeline pushes to a browser. */
export const RecordingServerMessage = z.union([RecordingStatusMessage, RecordingExportMessage]);
export type RecordingServerMessage = z.infer<typeof RecordingServerMessage>;

// ---------------------------------------------------------------------------------------------------------------
// Queue messages (Lambda → SQS → worker / burn-in). Validated on receipt: a malformed message is a poison message.

export const TranscribeJob = z.object({
  /** `{recordingId}:{attempt key}`: the worker treats a job id it has finished as done (idempotent redelivery). */
  jobId: z.string().min(1).max(200),
  recordingId: RecordingId,
  ownerId: z.string().min(1),
  bucket: z.string().min(1),
  audioKey: z.string().min(1),
  durationSeconds: z.number().nonnegative().nullable(),
  language: LanguageCode,
  translate: z.boolean(),
});
export type TranscribeJob = z.infer<typeof TranscribeJob>;

export const BurnInJob = z.object({
  recordingId: RecordingId,
  ownerId: z.string().min(1),
  version: z.number().int().positive(),
});
export type BurnInJob = z.infer<typeof BurnInJob>;

// ---------------------------------------------------------------------------------------------------------------
// Object keys: every recording has its own id in its keys, so two recordings of one room never collide.

export const recordingKeys = {
  source: (userId: string, recordingId: string) => `uploads/${encodeKeyPart(userId)}/${recordingId}/source`,
  mp4: (recordingId: string) => `media/${recordingId}/video.mp4`,
  poster: (recordingId: string) => `media/${recordingId}/poster.jpg`,
  audio: (recordingId: string) => `media/${recordingId}/speech.flac`,
  burned: (recordingId: string, version: number) => `media/${recordingId}/subtitled-v${version}.mp4`,
  subtitles: (recordingId: string, version: number, format: 'vtt' | 'srt' | 'json') =>
    `subtitles/${recordingId}/v${version}.${format}`,
};

/** User ids come from tokens (`guest:…`, Google subs): keep keys to a safe alphabet whatever they contain. */
function encodeKeyPart(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, (c) => `~${c.charCodeAt(0).toString(16)}`);
}

/** Parses `uploads/{userId}/{recordingId}/source` (as the S3 event reports it) back into its recording id. */
export function parseSourceKey(key: string): { recordingId: string } | null {
  const match = /^uploads\/[^/]+\/([0-9a-f-]{36})\/source$/.exec(key);
  if (!match || !RecordingId.safeParse(match[1]).success) return null;
  return { recordingId: match[1]! };
}
