import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import type { ServerResponse } from 'node:http';
import { AVATAR_PATH_PREFIX, avatarKeySchema } from '../../functions/shared/protocol/avatars';
import { localClientConfig } from '../standins/sdk-config';

/** A stored object as the gateway hands it on. */
export interface StoredObject {
  body: Uint8Array;
  contentType: string;
  cacheControl?: string;
}

/** Reads one avatar object (undefined: no such key). */
export type AvatarReader = (key: string) => Promise<StoredObject | undefined>;

/** The URL path the distribution's `/avatars/*` behaviour serves (web-stack.ts), as a local path prefix. */
export const AVATAR_URL_PREFIX = `/${AVATAR_PATH_PREFIX}`;

/** Reads from the S3 stand-in's avatars bucket, as CloudFront reads the real one through Origin Access Control. */
export function s3AvatarReader(endpoint: string, bucket: string): AvatarReader {
  const client = new S3Client({ ...localClientConfig(endpoint), forcePathStyle: true });
  return async (key) => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return {
        body: await out.Body!.transformToByteArray(),
        contentType: out.ContentType ?? 'application/octet-stream',
        cacheControl: out.CacheControl,
      };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  };
}

/**
 * CloudFront's `/avatars/*` behaviour locally: GET/HEAD only, the object's own type and cache headers, the page's
 * security headers (nosniff), and a 404 for anything that is not an avatar key (no listing, no other bucket).
 */
export async function serveAvatar(
  read: AvatarReader | undefined,
  pathname: string,
  res: ServerResponse,
  headers: Record<string, string>,
  headOnly: boolean,
): Promise<void> {
  const key = pathname.slice(1);
  const found = read && avatarKeySchema.safeParse(key).success ? await read(key) : undefined;
  if (!found) {
    res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(headOnly ? undefined : 'Not found');
    return;
  }
  res.writeHead(200, {
    ...headers,
    'content-type': found.contentType,
    'content-length': String(found.body.byteLength),
    ...(found.cacheControl ? { 'cache-control': found.cacheControl } : {}),
  });
  res.end(headOnly ? undefined : Buffer.from(found.body));
}
