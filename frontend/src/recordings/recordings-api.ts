import * as z from 'zod';
import {
  CreateRecordingResponse,
  ListRecordingsResponse,
  PresignPartsResponse,
  RecordingExport,
  RecordingResponse,
  RecordingSummary,
  SaveSubtitlesResponse,
  type CompleteUploadRequest,
  type CreateRecordingRequest,
  type PresignPartsRequest,
  type RecordingDetail,
  type RenameRecordingRequest,
  type SubtitleCue,
} from '../../../functions/shared/protocol/recordings';

/**
 * The one thing the recordings page needs from the app's API client (H5's `ApiClient.request`): an authorised
 * JSON call whose answer is validated with a schema and whose failures are `ApiError`s carrying the server's words.
 */
export interface JsonHttp {
  request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T>;
}

// Complete and rename both answer with the recording as it now is.
const CompleteResponse = z.object({ recording: RecordingSummary });
const ExportResponse = z.object({ export: RecordingExport });
// DELETE answers 204 with no body.
const NoContent = z.unknown();

/** The recordings HTTP API (functions/recordings/routes.ts), every answer checked against the shared schemas. */
export class RecordingsApi {
  constructor(private readonly http: JsonHttp) {}

  async list(): Promise<RecordingSummary[]> {
    return (await this.http.request('GET', '/api/recordings', ListRecordingsResponse)).recordings;
  }

  async get(id: string): Promise<RecordingDetail> {
    return (await this.http.request('GET', `/api/recordings/${encodeURIComponent(id)}`, RecordingResponse)).recording;
  }

  create(request: CreateRecordingRequest): Promise<CreateRecordingResponse> {
    return this.http.request('POST', '/api/recordings', CreateRecordingResponse, request);
  }

  /** Presigns the given parts and lists the parts S3 already holds (the basis of resuming). */
  parts(
    id: string,
    partNumbers: number[],
    finalPart?: { partNumber: number; sizeBytes: number },
  ): Promise<PresignPartsResponse> {
    const body: PresignPartsRequest = finalPart ? { partNumbers, finalPart } : { partNumbers };
    return this.http.request('POST', `/api/recordings/${encodeURIComponent(id)}/parts`, PresignPartsResponse, body);
  }

  /** `partCount` only for a recording made in a meeting, which ends before its declared size. */
  async complete(id: string, parts: CompleteUploadRequest['parts'], partCount?: number): Promise<RecordingSummary> {
    const body: CompleteUploadRequest = partCount === undefined ? { parts } : { parts, partCount };
    return (
      await this.http.request('POST', `/api/recordings/${encodeURIComponent(id)}/complete`, CompleteResponse, body)
    ).recording;
  }

  async abort(id: string): Promise<void> {
    await this.http.request('DELETE', `/api/recordings/${encodeURIComponent(id)}`, NoContent);
  }

  /** Deletes the recording for good: its media, subtitles and exports (the server removes every object). */
  remove(id: string): Promise<void> {
    return this.abort(id);
  }

  async rename(id: string, title: string): Promise<RecordingSummary> {
    const body: RenameRecordingRequest = { title };
    return (await this.http.request('PATCH', `/api/recordings/${encodeURIComponent(id)}`, CompleteResponse, body))
      .recording;
  }

  async saveSubtitles(id: string, baseVersion: number, cues: SubtitleCue[]): Promise<number> {
    const res = await this.http.request(
      'PUT',
      `/api/recordings/${encodeURIComponent(id)}/subtitles`,
      SaveSubtitlesResponse,
      {
        baseVersion,
        cues,
      },
    );
    return res.version;
  }

  async requestExport(id: string, version?: number): Promise<RecordingExport> {
    const body = version === undefined ? {} : { version };
    return (await this.http.request('POST', `/api/recordings/${encodeURIComponent(id)}/exports`, ExportResponse, body))
      .export;
  }
}
