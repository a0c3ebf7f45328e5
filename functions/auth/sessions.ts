import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Unauthorized } from '../shared/errors';
import type { Sql } from '../shared/sql/sql';

/** Sliding lifetime: a session survives as long as it is used at least once a month. */
export const REFRESH_TTL_SECONDS = 30 * 24 * 3600;
// Two tabs that load at once both refresh with the same cookie; the loser of that race must not be treated as a
// thief. Inside this window a rotated token may rotate once more (the browser keeps whichever cookie came last).
const RACE_GRACE_SECONDS = 10;

const SWEEP_BATCH = 50;

export interface RotatedSession {
  userId: string;
  token: string;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');
// Anything else cannot be one of ours; refusing it early keeps arbitrary cookie text out of SQL entirely.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Rotating refresh tokens (refresh_tokens in 0001_identity.sql). Only hashes are stored. A token is good once:
 * using it returns a successor; using it again after the grace window revokes its whole family. A token also dies
 * when its user's session generation moves on (sign out everywhere, a new password: 0006_email_accounts.sql).
 */
export class SessionStore {
  constructor(
    private readonly sql: Sql,
    private readonly ttlSeconds = REFRESH_TTL_SECONDS,
  ) {}

  /** A new session (token family) for a user who just signed in. */
  async start(userId: string): Promise<string> {
    // Expired rows are useless but would pile up forever (every guest visit makes a family). Each sign-in clears
    // a bounded batch, so the table stays small without a scheduled job and no request pays for a large delete.
    await this.sql.execute(
      `DELETE FROM refresh_tokens WHERE token_hash IN
         (SELECT token_hash FROM refresh_tokens WHERE expires_at < now() ORDER BY expires_at LIMIT ${SWEEP_BATCH})`,
    );
    const [user] = await this.sql.query<{ session_generation: number }>(
      'SELECT session_generation FROM users WHERE id = :userId',
      { userId },
    );
    return this.insert(this.sql, userId, randomUUID(), user?.session_generation ?? 0);
  }

  async rotate(token: string): Promise<RotatedSession> {
    if (!TOKEN_SHAPE.test(token)) throw new Unauthorized('Sign in again: your session is not valid', 'session-invalid');
    const tokenHash = hash(token);
    const rotated = await this.sql.transaction(async (tx) => {
      const [row] = await tx.query<{ user_id: string; family_id: string; generation: number }>(
        `UPDATE refresh_tokens SET rotated_at = now()
         WHERE token_hash = :tokenHash AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
           AND generation = (SELECT session_generation FROM users WHERE users.id = refresh_tokens.user_id)
         RETURNING user_id, family_id, generation`,
        { tokenHash },
      );
      if (!row) return undefined;
      return { userId: row.user_id, token: await this.insert(tx, row.user_id, row.family_id, row.generation) };
    });
    if (rotated) return rotated;

    const [row] = await this.sql.query<{ user_id: string; family_id: string; generation: number; state: string }>(
      `SELECT user_id, family_id, generation,
              CASE WHEN generation <> (SELECT session_generation FROM users WHERE users.id = refresh_tokens.user_id)
                     THEN 'signed-out'
                   WHEN revoked_at IS NOT NULL THEN 'revoked'
                   WHEN expires_at <= now() THEN 'expired'
                   WHEN rotated_at > now() - make_interval(secs => :grace) THEN 'racing'
                   ELSE 'reused' END AS state
       FROM refresh_tokens WHERE token_hash = :tokenHash`,
      { tokenHash, grace: RACE_GRACE_SECONDS },
    );
    if (!row) throw new Unauthorized('Sign in again: your session is not valid', 'session-invalid');
    if (row.state === 'racing')
      return { userId: row.user_id, token: await this.insert(this.sql, row.user_id, row.family_id, row.generation) };
    if (row.state === 'signed-out') {
      throw new Unauthorized('Sign in again: this account was signed out everywhere', 'session-ended');
    }
    if (row.state === 'reused') {
      // The token was already exchanged: either it was stolen or the browser replayed an old cookie. The family
      // dies so whoever holds the newer token must sign in again too.
      await this.revokeFamily(row.family_id);
      throw new Unauthorized('Sign in again: this session was used from somewhere else', 'session-reused');
    }
    throw new Unauthorized('Sign in again: your session has ended', 'session-expired');
  }

  /** Sign-out: the whole family ends, so older cookies in other tabs die with it. Unknown tokens are ignored. */
  async end(token: string): Promise<void> {
    if (!TOKEN_SHAPE.test(token)) return;
    const [row] = await this.sql.query<{ family_id: string }>(
      'SELECT family_id FROM refresh_tokens WHERE token_hash = :tokenHash',
      { tokenHash: hash(token) },
    );
    if (row) await this.revokeFamily(row.family_id);
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.sql.execute(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = :familyId AND revoked_at IS NULL',
      { familyId },
    );
  }

  private async insert(sql: Sql, userId: string, familyId: string, generation: number): Promise<string> {
    const token = newToken();
    await sql.execute(
      `INSERT INTO refresh_tokens (token_hash, family_id, user_id, generation, expires_at)
       VALUES (:tokenHash, :familyId, :userId, :generation, now() + make_interval(secs => :ttl))`,
      { tokenHash: hash(token), familyId, userId, generation, ttl: this.ttlSeconds },
    );
    return token;
  }
}
