import {
  ACCEPTED_UPLOAD_TYPES,
  MAX_FILE_NAME_LENGTH,
  MAX_UPLOAD_BYTES,
  baseContentType,
  fileExtension,
  isAcceptedUpload,
} from '../../../../functions/shared/protocol/recordings';
import { formatBytes } from './upload-progress';

export interface PickedFile {
  readonly name: string;
  readonly size: number;
  /** What the browser guessed; often empty (.mkv) or a vendor alias (audio/x-m4a). */
  readonly type: string;
}

export type Preflight =
  { readonly ok: true; readonly contentType: string } | { readonly ok: false; readonly reason: string };

/** The `accept` attribute for the file picker, from the same table the server checks. */
export function acceptAttribute(): string {
  const exts = new Set(Object.values(ACCEPTED_UPLOAD_TYPES).flat());
  return [...Object.keys(ACCEPTED_UPLOAD_TYPES), ...[...exts].map((e) => `.${e}`)].join(',');
}

/**
 * Checks a picked file before a single byte is sent: a 3 GB file must be refused in the browser, not after
 * minutes of uploading. The server checks the same rules again (sizes and types are the client's claims).
 */
export function preflightUpload(file: PickedFile, maxBytes: number = MAX_UPLOAD_BYTES): Preflight {
  if (file.size > maxBytes) {
    return {
      ok: false,
      reason: `"${file.name}" is ${formatBytes(file.size)}; a recording can be at most ${formatBytes(maxBytes)}.`,
    };
  }
  if (file.size === 0) return { ok: false, reason: `"${file.name}" is empty.` };
  // The server refuses longer names (CreateRecordingRequest); say so before anything is sent.
  const nameLength = file.name.trim().length;
  if (nameLength > MAX_FILE_NAME_LENGTH) {
    return {
      ok: false,
      reason: `The file name is ${nameLength} characters long; the limit is ${MAX_FILE_NAME_LENGTH}. Rename the file and pick it again.`,
    };
  }
  const contentType = contentTypeFor(file);
  if (!contentType) {
    const exts = [...new Set(Object.values(ACCEPTED_UPLOAD_TYPES).flat())].map((e) => `.${e}`).join(' ');
    return {
      ok: false,
      reason: `"${file.name}" is not a video or audio file we can read. Accepted: ${exts}`,
    };
  }
  return { ok: true, contentType };
}

/** The browser's type when the server accepts it for this extension, else the type the extension stands for. */
function contentTypeFor(file: PickedFile): string | null {
  const browserType = baseContentType(file.type || '');
  if (browserType && isAcceptedUpload(file.name, browserType)) return browserType;
  const ext = fileExtension(file.name);
  for (const [type, exts] of Object.entries(ACCEPTED_UPLOAD_TYPES) as [string, readonly string[]][]) {
    // Prefer the video type for extensions both tables list (.mp4, .webm): a video may carry sound only, not the reverse.
    if (exts.includes(ext)) return type;
  }
  return null;
}
