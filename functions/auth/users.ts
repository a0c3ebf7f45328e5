import { randomUUID } from 'node:crypto';
import type { Sql } from '../shared/sql/sql';

export interface User {
  id: string;
  kind: 'guest' | 'google';
  name: string;
  picture: string | null;
  email: string | null;
}

export interface ProviderProfile {
  issuer: string;
  subject: string;
  name: string;
  email?: string;
  picture?: string;
}

const COLUMNS = 'id, kind, name, picture, email';

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

  /** One row per (issuer, subject); name and picture follow the provider on every sign-in. */
  async upsertFromProvider(profile: ProviderProfile): Promise<User> {
    const [user] = await this.sql.query<User>(
      `INSERT INTO users (id, kind, issuer, subject, name, email, picture)
       VALUES (:id, 'google', :issuer, :subject, :name, :email, :picture)
       ON CONFLICT (issuer, subject) DO UPDATE
         SET name = EXCLUDED.name, email = EXCLUDED.email, picture = EXCLUDED.picture, last_sign_in_at = now()
       RETURNING ${COLUMNS}`,
      {
        id: randomUUID(),
        issuer: profile.issuer,
        subject: profile.subject,
        name: profile.name,
        email: profile.email ?? null,
        picture: profile.picture ?? null,
      },
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
