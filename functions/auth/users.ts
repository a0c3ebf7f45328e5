import { randomUUID } from 'node:crypto';
import type { Sql } from '../shared/sql/sql';
import type { AccountKind } from './tickets';

export interface User {
  id: string;
  kind: AccountKind;
  name: string;
  picture: string | null;
  email: string | null;
  /** The profile picture's object key (0009_avatars.sql); undefined where a query did not select it. */
  avatar_key?: string | null;
}

export interface ProviderProfile {
  issuer: string;
  subject: string;
  name: string;
  email?: string;
  /** Only a verified address may join an existing account (or be claimed by this one). */
  emailVerified?: boolean;
  picture?: string;
}

const COLUMNS = 'id, kind, name, picture, email, avatar_key';

/** Users in PostgreSQL (0001_identity.sql). Every value is a bound parameter; names are stored exactly as given. */
export class UserStore {
  constructor(private readonly sql: Sql) {}

  async createGuest(name: string): Promise<User> {
    const [user] = await this.sql.query<User>(
      `INSERT INTO users (id, kind, name) VALUES (:id, 'guest', :name) RETURNING ${COLUMNS}`,
      { id: randomUUID(), name },
    );
    return required(user);
  }

  /**
   * One row per (issuer, subject); name and picture follow the provider on every sign-in. A first sign-in whose
   * verified address already has an account (an email sign-up) joins that account instead of making a second one:
   * one identity per verified email (0006_email_accounts.sql).
   */
  async upsertFromProvider(profile: ProviderProfile): Promise<User> {
    const verifiedEmail = profile.emailVerified && profile.email ? profile.email.trim().toLowerCase() : null;
    const values = {
      issuer: profile.issuer,
      subject: profile.subject,
      name: profile.name,
      email: profile.email ?? null,
      picture: profile.picture ?? null,
    };
    const [known] = await this.sql.query<User>(
      `UPDATE users SET name = :name, email = :email, picture = :picture, last_sign_in_at = now()
       WHERE issuer = :issuer AND subject = :subject RETURNING ${COLUMNS}`,
      values,
    );
    if (known) return known;
    if (verifiedEmail) {
      // The account keeps its own name; it gains the provider identity and, if it has none yet, the picture.
      const [linked] = await this.sql.query<User>(
        `UPDATE users SET issuer = :issuer, subject = :subject, picture = COALESCE(picture, :picture),
                          last_sign_in_at = now()
         WHERE verified_email = :verifiedEmail AND subject IS NULL RETURNING ${COLUMNS}`,
        { ...values, verifiedEmail },
      );
      if (linked) return linked;
    }
    const [user] = await this.sql.query<User>(
      `INSERT INTO users (id, kind, issuer, subject, name, email, picture, verified_email)
       VALUES (:id, 'google', :issuer, :subject, :name, :email, :picture,
               (SELECT CAST(:verifiedEmail AS text) WHERE NOT EXISTS
                  (SELECT 1 FROM users WHERE verified_email = :verifiedEmail)))
       ON CONFLICT (issuer, subject) DO UPDATE
         SET name = EXCLUDED.name, email = EXCLUDED.email, picture = EXCLUDED.picture, last_sign_in_at = now()
       RETURNING ${COLUMNS}`,
      { id: randomUUID(), ...values, verifiedEmail },
    );
    return required(user);
  }

  async findById(id: string): Promise<User | undefined> {
    const [user] = await this.sql.query<User>(`SELECT ${COLUMNS} FROM users WHERE id = :id`, { id });
    return user;
  }
}

function required(user: User | undefined): User {
  // RETURNING always yields the row; an empty answer means the adapter lost it, which must not pass silently.
  if (!user) throw new Error('users: write returned no row');
  return user;
}
