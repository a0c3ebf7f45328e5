import { randomBytes } from 'node:crypto';
import type { Route, RouteRequest } from '../api/router';
import { requireOurOrigin } from '../auth/session-http';
import { verifyAccessToken, type TokenService } from '../auth/tickets';
import { Forbidden, PayloadTooLarge, Unauthorized } from '../shared/errors';
import { bearerToken, json, type HttpEvent } from '../shared/http';
import { logger } from '../shared/logger';
import {
  AVATAR_API_PATH,
  AVATAR_MAX_BYTES,
  AVATAR_PATH_PREFIX,
  avatarUrlOf,
  type AvatarUploadResponse,
} from '../shared/protocol/avatars';
import { limits, rateLimit, type Limit } from '../shared/rate-limit';
import { getSql, type Sql } from '../shared/sql/sql';
import { defaultAvatarObjects, type AvatarObjects } from './avatar-objects';
import { AvatarRecords } from './avatar-records';
import { processAvatar } from './process-avatar';

/** What the avatar routes touch; tests swap the storage and the limiter. */
export interface AvatarDeps {
  sql(): Sql;
  tokens: Pick<TokenService, 'verifyAccessToken'>;
  objects(): AvatarObjects;
  rateLimit(key: string, limit: Limit): Promise<void>;
}

/** A fresh name per upload: caches keep pictures for good, and nobody can guess another user's next picture. */
const newAvatarKey = (userId: string) => `${AVATAR_PATH_PREFIX}${userId}/${randomBytes(18).toString('base64url')}.webp`;

/** The raw request body: API Gateway base64-encodes binary content types (image/*), text arrives as is. */
function bodyBytes(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/**
 * The signed-in account's profile picture (issue #15). There is no user id in the path: each route acts on the
 * access token's subject only, so nobody can change or remove another person's picture. An upload is decoded and
 * re-encoded (process-avatar.ts) before anything is stored; the previous picture is deleted once the new one is in
 * place.
 */
export function createAvatarRoutes(deps: AvatarDeps): Route[] {
  const records = () => new AvatarRecords(deps.sql());

  /** The account behind the token; guests have no profile to put a picture on. */
  async function account(event: HttpEvent) {
    requireOurOrigin(event, true);
    const claims = await deps.tokens.verifyAccessToken(bearerToken(event));
    if (claims.kind === 'guest') throw new Forbidden('Guests have no profile: sign in to add a picture', 'guest');
    const owner = await records().owner(claims.sub);
    if (!owner) throw new Unauthorized('Sign in again: this account no longer exists', 'user-gone');
    return owner;
  }

  async function upload({ event }: RouteRequest) {
    // Before any work: the declared length says at once whether the body can be a picture we accept.
    const declared = Number(event.headers?.['content-length'] ?? 0);
    if (declared > AVATAR_MAX_BYTES) {
      throw new PayloadTooLarge(`Pictures can be at most ${AVATAR_MAX_BYTES / 1024 / 1024} MB`, 'avatar-too-large');
    }
    const owner = await account(event);
    // Decoding is the costly part, and the only one a script could repeat to burn CPU: limited per account.
    await deps.rateLimit(`avatar:user:${owner.id}`, limits.avatarUpload);
    const picture = await processAvatar(bodyBytes(event), event.headers?.['content-type'] ?? '');
    const key = newAvatarKey(owner.id);
    const objects = deps.objects();
    await objects.put(key, picture);
    const replaced = await records().replace(owner.id, key);
    if (!replaced) {
      // The account went while the picture was processed: nothing may keep its new picture.
      await objects.remove(key);
      throw new Unauthorized('Sign in again: this account no longer exists', 'user-gone');
    }
    if (replaced.previous) await objects.remove(replaced.previous);
    logger.info('avatar stored', { userId: owner.id, bytes: picture.byteLength });
    const body: AvatarUploadResponse = { avatarUrl: avatarUrlOf(key) };
    return json(200, body);
  }

  async function remove({ event }: RouteRequest) {
    const owner = await account(event);
    const replaced = await records().replace(owner.id, null);
    if (replaced?.previous) await deps.objects().remove(replaced.previous);
    logger.info('avatar removed', { userId: owner.id });
    return json(204, null);
  }

  return [
    { method: 'PUT', path: AVATAR_API_PATH, handle: upload },
    { method: 'DELETE', path: AVATAR_API_PATH, handle: remove },
  ];
}

export const defaultAvatarDeps: AvatarDeps = {
  sql: getSql,
  tokens: { verifyAccessToken },
  objects: defaultAvatarObjects,
  rateLimit,
};
