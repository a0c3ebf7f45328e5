import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { LocalCredentials } from './emulators/sigv4-verify';
import { LOCAL_CREDENTIALS } from './standins/sdk-config';

const FILE = 'local-credentials.json';
const schema = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(32) });

/**
 * The local stack's own AWS credentials: made once per data folder (so a restart keeps them) and handed to the
 * functions and the worker through AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. The emulators accept only requests
 * signed with them. The key id stays s3rver's fixed one (s3rver refuses any other id); the secret is what no web
 * page can know. The file is readable by its owner only.
 */
export function localCredentials(dataDir: string): LocalCredentials {
  const path = join(dataDir, FILE);
  if (existsSync(path)) {
    const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) return parsed.data;
  }
  const fresh = {
    accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, JSON.stringify(fresh), { mode: 0o600 });
  return fresh;
}
