import { DeleteObjectCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3 } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { AVATAR_PATH_PREFIX } from '../shared/protocol/avatars';

/*
 * Storage of profile pictures. No sharp here: the HTTP API imports this module to delete an account's pictures,
 * and must not carry the image library (only the Avatar function does).
 */

/** What process-avatar.ts writes: every stored picture is WebP, whatever was uploaded. */
export const AVATAR_CONTENT_TYPE = 'image/webp';

/** The avatars bucket's name (CDK sets it in AWS, local/function-env.ts on a laptop). */
export const AVATARS_BUCKET_ENV = 'AVATARS_BUCKET';

/** Where avatar pictures are kept: the avatars bucket in AWS, the S3 stand-in's second bucket locally. */
export interface AvatarObjects {
  put(key: string, picture: Buffer): Promise<void>;
  remove(key: string): Promise<void>;
  /** Every picture a user ever stored, for deleting the account (a half-finished replace may have left two). */
  removeAllOf(userId: string): Promise<void>;
}

/** The folder of one user's pictures. */
export const avatarFolderOf = (userId: string) => `${AVATAR_PATH_PREFIX}${userId}/`;

export class S3AvatarObjects implements AvatarObjects {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, picture: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: picture,
        ContentType: AVATAR_CONTENT_TYPE,
        // Every upload gets a new name, so the edge and browsers may keep a picture for good.
        CacheControl: 'public, max-age=31536000, immutable',
      }),
    );
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async removeAllOf(userId: string): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: avatarFolderOf(userId), ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length > 0) {
        const out = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
        );
        // A key left behind would be a picture of a deleted person still served: fail so the deletion is retried.
        if ((out.Errors ?? []).length > 0) throw new Error(`avatars: ${out.Errors!.length} objects not deleted`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

export const defaultAvatarObjects = (): AvatarObjects => new S3AvatarObjects(s3(), requireEnv(AVATARS_BUCKET_ENV));
