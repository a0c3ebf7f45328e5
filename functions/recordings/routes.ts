import { verifyAccessToken } from '../auth/tickets';
import type { Route, RouteRequest } from '../api/router';
import { s3, sqs } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { BadRequest, PayloadTooLarge } from '../shared/errors';
import { bearerToken, json, readJson, type HttpEvent } from '../shared/http';
import { limits, rateLimit } from '../shared/rate-limit';
import { getSql } from '../shared/sql/sql';
import {
  BurnInRequest,
  CompleteUploadRequest,
  CreateRecordingRequest,
  PresignPartsRequest,
  RecordingId,
  RenameRecordingRequest,
  SaveSubtitlesRequest,
} from '../shared/protocol/recordings';
import type { z } from 'zod';
import { S3MediaStorage } from './media-storage';
import { notifyOwner } from './notify';
import { sendJson } from './queues';
import { RecordingStore } from './recording-store';
import { RecordingsService } from './recordings-service';

// The shared reader caps bodies at 64 KB; an edited transcript of a long meeting is bigger (≈ 100 bytes a cue).
const MAX_SUBTITLE_BODY_BYTES = 2 * 1024 * 1024;

let service: RecordingsService | undefined;

/** The service the routes use, for other features that act on a user's recordings (account deletion). */
export function recordings(): RecordingsService {
  return (service ??= new RecordingsService({
    store: new RecordingStore(getSql()),
    storage: new S3MediaStorage(s3(), requireEnv('RECORDINGS_BUCKET')),
    enqueueBurnIn: (job) => sendJson(sqs(), requireEnv('BURN_IN_QUEUE_URL'), job),
    notify: async (r) => {
      await notifyOwner(r);
    },
  }));
}

/** For tests: run the routes over another service (stand-in adapters). */
export function setRecordingsServiceForTesting(value: RecordingsService | undefined): void {
  service = value;
}

async function userId(event: HttpEvent): Promise<string> {
  return (await verifyAccessToken(bearerToken(event))).sub;
}

function recordingId(request: RouteRequest): string {
  const parsed = RecordingId.safeParse(request.params.id);
  if (!parsed.success) throw new BadRequest('The recording id must be a UUID');
  return parsed.data;
}

/** readJson's contract (400 with issues, 413) with a larger cap, for edited transcripts. */
function readLargeJson<S extends z.ZodType>(event: HttpEvent, schema: S, maxBytes: number): z.infer<S> {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (Buffer.byteLength(raw) > maxBytes) {
    throw new PayloadTooLarge(`Request body is larger than ${maxBytes / 1024 / 1024} MB`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw || '{}');
  } catch {
    throw new BadRequest('Request body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new BadRequest(
      `Invalid request: ${issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return parsed.data;
}

/** `/api/recordings…`: every route needs a signed-in user and only ever touches that user's recordings. */
export const recordingRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/recordings',
    async handle({ event }) {
      const user = await userId(event);
      await rateLimit(`upload:${user}`, limits.upload);
      const body = readJson(event, CreateRecordingRequest);
      return json(201, await recordings().create(user, body));
    },
  },
  {
    method: 'GET',
    path: '/api/recordings',
    async handle({ event }) {
      const user = await userId(event);
      return json(200, { recordings: await recordings().list(user) });
    },
  },
  {
    method: 'GET',
    path: '/api/recordings/{id}',
    async handle(request) {
      const user = await userId(request.event);
      return json(200, { recording: await recordings().detail(user, recordingId(request)) });
    },
  },
  {
    method: 'PATCH',
    path: '/api/recordings/{id}',
    async handle(request) {
      const user = await userId(request.event);
      const id = recordingId(request);
      const body = readJson(request.event, RenameRecordingRequest);
      return json(200, { recording: await recordings().rename(user, id, body.title) });
    },
  },
  {
    method: 'DELETE',
    path: '/api/recordings/{id}',
    async handle(request) {
      const user = await userId(request.event);
      await recordings().remove(user, recordingId(request));
      return json(204, null);
    },
  },
  {
    method: 'POST',
    path: '/api/recordings/{id}/parts',
    async handle(request) {
      const user = await userId(request.event);
      const body = readJson(request.event, PresignPartsRequest);
      return json(200, await recordings().parts(user, recordingId(request), body.partNumbers, body.finalPart));
    },
  },
  {
    method: 'POST',
    path: '/api/recordings/{id}/complete',
    async handle(request) {
      const user = await userId(request.event);
      const body = readJson(request.event, CompleteUploadRequest);
      return json(200, { recording: await recordings().complete(user, recordingId(request), body) });
    },
  },
  {
    method: 'PUT',
    path: '/api/recordings/{id}/subtitles',
    async handle(request) {
      const user = await userId(request.event);
      const body = readLargeJson(request.event, SaveSubtitlesRequest, MAX_SUBTITLE_BODY_BYTES);
      const version = await recordings().saveSubtitles(user, recordingId(request), body.baseVersion, body.cues);
      return json(201, { version });
    },
  },
  {
    method: 'POST',
    path: '/api/recordings/{id}/exports',
    async handle(request) {
      const user = await userId(request.event);
      await rateLimit(`burn-in:${user}`, limits.upload);
      const body = readJson(request.event, BurnInRequest);
      return json(202, { export: await recordings().requestBurnIn(user, recordingId(request), body.version) });
    },
  },
];
