/**
 * Profile pictures (issue #15): the one home of the avatar limits and paths, imported by the browser (profile page,
 * tiles), the Avatar Lambda, the room socket (roster and chat), the local gateway and the CDK stacks. Zod only.
 */
import * as z from 'zod';

/**
 * Largest upload, in bytes. The picture travels as the HTTP API request body, which API Gateway hands to Lambda
 * base64-encoded inside the event: 4 MiB becomes ~5.6 MB, just under Lambda's 6 MB synchronous payload quota.
 * A phone photo fits; anything larger is not a profile picture.
 */
export const AVATAR_MAX_BYTES = 4 * 1024 * 1024;

/** The types the profile page offers and the Lambda accepts (checked against the bytes, never trusted). */
export const ACCEPTED_AVATAR_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type AvatarType = (typeof ACCEPTED_AVATAR_TYPES)[number];

/** PUT (raw image body, Content-Type one of the accepted types) and DELETE: the signed-in account's own picture. */
export const AVATAR_API_PATH = '/api/account/avatar';

/**
 * Key prefix in the avatars bucket, and the URL path CloudFront (and the local gateway) serves it on: the page
 * loads pictures from its own origin, so the CSP's `img-src 'self'` covers them and no bucket is public.
 */
export const AVATAR_PATH_PREFIX = 'avatars/';

/** Avatar object keys: `avatars/<userId>/<random>.webp`, a fresh name per upload so caches never serve an old one. */
export const avatarKeySchema = z
  .string()
  .max(200)
  .regex(/^avatars\/[A-Za-z0-9-]{1,64}\/[A-Za-z0-9_-]{16,64}\.webp$/, 'not an avatar key');

/** The URL of a stored avatar: the key under the page's own origin. */
export const avatarUrlOf = (key: string): string => `/${key}`;

/** An avatar URL in a roster entry or chat message: only ever a picture this deployment stored itself. */
export const avatarUrlSchema = z
  .string()
  .max(201)
  .refine((url) => url.startsWith('/') && avatarKeySchema.safeParse(url.slice(1)).success, 'not an avatar URL');

/** What PUT answers: where the new picture is served. */
export const avatarUploadResponseSchema = z.object({ avatarUrl: avatarUrlSchema });
export type AvatarUploadResponse = z.infer<typeof avatarUploadResponseSchema>;
