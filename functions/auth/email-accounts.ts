import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../shared/sql/sql';
import type { User } from './users';

/** A sign-up link is followed from the inbox, maybe the next morning. */
export const VERIFY_LINK_TTL_SECONDS = 24 * 3600;
/** OWASP's Forgot Password cheat sheet: reset links short-lived; half an hour covers a slow mail server. */
export const RESET_LINK_TTL_SECONDS = 30 * 60;
/** A new address is confirmed from its inbox while the request is fresh in mind; an hour covers slow mail. */
export const EMAIL_CHANGE_LINK_TTL_SECONDS = 60 * 60;

export type LinkPurpose = 'verify' | 'reset' | 'change-email';

/** What a followed change-email link did: moved the account, or found the address owned by another one. */
export type EmailChange =
  { status: 'changed'; userId: string; oldEmail: string | null; newEmail: string } | { status: 'taken' };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

const USER_COLUMNS = 'id, kind, name, picture, email, avatar_key';

export interface PasswordAccount extends User {
  password_hash: string | null;
}

export interface PendingSignUp {
  email: string;
  name: string;
  password_hash: string;
}

/**
 * Email accounts in PostgreSQL (0006_email_accounts.sql): verified addresses, password hashes, emailed links and
 * the session generation. Links are single use (consumed by an UPDATE that only one caller can win) and only the
 * SHA-256 of their token is stored, like refresh tokens.
 */
export class AccountStore {
  constructor(private readonly sql: Sql) {}

  /** The account an address signs in to (any kind with a verified address), with its hash when it has a password. */
  async findByEmail(email: string): Promise<PasswordAccount | undefined> {
    const [row] = await this.sql.query<PasswordAccount>(
      `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE verified_email = :email`,
      { email },
    );
    return row;
  }

  async passwordHashOf(userId: string): Promise<string | null> {
    const [row] = await this.sql.query<{ password_hash: string | null }>(
      'SELECT password_hash FROM users WHERE id = :userId',
      { userId },
    );
    return row?.password_hash ?? null;
  }

  /** A pending sign-up's link. Earlier links for the address stop working: only the latest mail counts. */
  async createSignUpLink(signUp: PendingSignUp): Promise<string> {
    return this.createLink('verify', signUp.email, VERIFY_LINK_TTL_SECONDS, {
      name: signUp.name,
      passwordHash: signUp.password_hash,
      userId: null,
    });
  }

  async createResetLink(userId: string, email: string): Promise<string> {
    return this.createLink('reset', email, RESET_LINK_TTL_SECONDS, { name: null, passwordHash: null, userId });
  }

  private async createLink(
    purpose: LinkPurpose,
    email: string,
    ttl: number,
    extra: { name: string | null; passwordHash: string | null; userId: string | null },
  ): Promise<string> {
    const token = newToken();
    await this.sql.transaction(async (tx) => {
      // Used and expired links are worthless; dropping them as new ones are made keeps the table small.
      await tx.execute("DELETE FROM account_email_tokens WHERE expires_at < now() - interval '1 day'");
      await tx.execute(
        `UPDATE account_email_tokens SET used_at = now()
         WHERE email = :email AND purpose = :purpose AND used_at IS NULL`,
        { email, purpose },
      );
      await tx.execute(
        `INSERT INTO account_email_tokens (token_hash, purpose, email, user_id, name, password_hash, expires_at)
         VALUES (:tokenHash, :purpose, :email, :userId, :name, :passwordHash, now() + make_interval(secs => :ttl))`,
        { tokenHash: hashToken(token), purpose, email, ttl, ...extra },
      );
    });
    return token;
  }

  /**
   * A link to the new address that moves `userId` there once followed (0008_account_changes.sql). Only the latest
   * request of the account counts: earlier change links of the same account stop working.
   */
  async createEmailChangeLink(userId: string, newEmail: string): Promise<string> {
    const token = newToken();
    await this.sql.transaction(async (tx) => {
      await tx.execute(
        `UPDATE account_email_tokens SET used_at = now()
         WHERE user_id = :userId AND purpose = 'change-email' AND used_at IS NULL`,
        { userId },
      );
      await tx.execute(
        `INSERT INTO account_email_tokens (token_hash, purpose, email, user_id, expires_at)
         VALUES (:tokenHash, 'change-email', :email, :userId, now() + make_interval(secs => :ttl))`,
        { tokenHash: hashToken(token), email: newEmail, userId, ttl: EMAIL_CHANGE_LINK_TTL_SECONDS },
      );
    });
    return token;
  }

  /**
   * The round trips of `createEmailChangeLink` when the new address already belongs to another account, so both
   * answers take the same time.
   */
  async matchEmailChangeWork(userId: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(
        `UPDATE account_email_tokens SET used_at = now()
         WHERE user_id = :userId AND purpose = 'change-email' AND used_at IS NULL`,
        { userId },
      );
      await tx.query('SELECT 1 AS one FROM account_email_tokens WHERE token_hash = :tokenHash', {
        tokenHash: hashToken(newToken()),
      });
    });
  }

  /**
   * Uses a change-email link up and moves the account to the new address, unless another account verified that
   * address in the meantime (then nothing changes, and the link is spent). Undefined: unknown, used or expired.
   */
  async consumeEmailChangeLink(token: string): Promise<EmailChange | undefined> {
    return this.sql.transaction(async (tx) => {
      const [link] = await tx.query<{ user_id: string; email: string }>(
        `UPDATE account_email_tokens SET used_at = now()
         WHERE token_hash = :tokenHash AND purpose = 'change-email' AND used_at IS NULL AND expires_at > now()
         RETURNING user_id, email`,
        { tokenHash: hashToken(token) },
      );
      if (!link) return undefined;
      const [before] = await tx.query<{ verified_email: string | null }>(
        'SELECT verified_email FROM users WHERE id = :userId',
        { userId: link.user_id },
      );
      // The unique index would refuse a taken address too, but as an error that ends the transaction; the NOT
      // EXISTS makes "taken" an ordinary answer.
      const [moved] = await tx.query<{ id: string }>(
        `UPDATE users SET verified_email = :email, email = :email
         WHERE id = :userId AND NOT EXISTS (SELECT 1 FROM users WHERE verified_email = :email AND id <> :userId)
         RETURNING id`,
        { userId: link.user_id, email: link.email },
      );
      if (!moved) return { status: 'taken' as const };
      return {
        status: 'changed' as const,
        userId: link.user_id,
        oldEmail: before?.verified_email ?? null,
        newEmail: link.email,
      };
    });
  }

  /**
   * The database round trips of `createResetLink` for an address without an account, so a reset request takes the
   * same time either way (the dummy-hash idea, for the link table).
   */
  async matchLinkWork(email: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute("DELETE FROM account_email_tokens WHERE expires_at < now() - interval '1 day'");
      await tx.execute(
        `UPDATE account_email_tokens SET used_at = now()
         WHERE email = :email AND purpose = 'reset' AND used_at IS NULL`,
        { email },
      );
      await tx.query('SELECT 1 AS one FROM account_email_tokens WHERE token_hash = :tokenHash', {
        tokenHash: hashToken(newToken()),
      });
    });
  }

  /** Uses a sign-up link up: its pending sign-up, or undefined when the link is unknown, used or expired. */
  async consumeSignUpLink(token: string): Promise<PendingSignUp | undefined> {
    const [row] = await this.sql.query<PendingSignUp>(
      `UPDATE account_email_tokens SET used_at = now()
       WHERE token_hash = :tokenHash AND purpose = 'verify' AND used_at IS NULL AND expires_at > now()
       RETURNING email, name, password_hash`,
      { tokenHash: hashToken(token) },
    );
    return row;
  }

  /** Uses a reset link up: the account it resets, or undefined when the link is unknown, used or expired. */
  async consumeResetLink(token: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ user_id: string }>(
      `UPDATE account_email_tokens SET used_at = now()
       WHERE token_hash = :tokenHash AND purpose = 'reset' AND used_at IS NULL AND expires_at > now()
       RETURNING user_id`,
      { tokenHash: hashToken(token) },
    );
    return row?.user_id;
  }

  /** The account a followed sign-up link makes; undefined when the address has an account already. */
  async createEmailUser(signUp: PendingSignUp): Promise<User | undefined> {
    const [user] = await this.sql.query<User>(
      `INSERT INTO users (id, kind, name, email, verified_email, password_hash)
       VALUES (:id, 'email', :name, :email, :email, :passwordHash)
       ON CONFLICT (verified_email) DO NOTHING
       RETURNING ${USER_COLUMNS}`,
      { id: randomUUID(), name: signUp.name, email: signUp.email, passwordHash: signUp.password_hash },
    );
    return user;
  }

  /** A new password ends every session: whoever knew the old one must not stay signed in. */
  async setPassword(userId: string, passwordHash: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute('UPDATE users SET password_hash = :passwordHash WHERE id = :userId', { userId, passwordHash });
      await endAllSessions(tx, userId);
    });
  }

  /** Sign out everywhere. */
  async endAllSessions(userId: string): Promise<void> {
    await this.sql.transaction((tx) => endAllSessions(tx, userId));
  }
}

/**
 * Bumps the user's session generation and revokes their refresh tokens. The generation is what makes it hold:
 * a refresh already in flight inserts its successor with the old generation, which the next refresh refuses
 * (functions/auth/sessions.ts); the revocation alone would miss that token.
 */
async function endAllSessions(sql: Sql, userId: string): Promise<void> {
  await sql.execute('UPDATE users SET session_generation = session_generation + 1 WHERE id = :userId', { userId });
  await sql.execute('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = :userId AND revoked_at IS NULL', {
    userId,
  });
}
