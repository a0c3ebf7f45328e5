import type { Sql } from '../shared/sql/sql';

/** The account row as the avatar routes need it. */
export interface AvatarOwner {
  id: string;
  kind: string;
  avatar_key: string | null;
}

/** The avatar column of `users` (0009_avatars.sql). */
export class AvatarRecords {
  constructor(private readonly sql: Sql) {}

  async owner(userId: string): Promise<AvatarOwner | undefined> {
    const [row] = await this.sql.query<AvatarOwner>('SELECT id, kind, avatar_key FROM users WHERE id = :userId', {
      userId,
    });
    return row;
  }

  /**
   * Points the account at `key` (null: no picture) and answers the key it had, read under the same row lock, so two
   * uploads racing each delete exactly the picture they replaced. Undefined: the account is gone (or a guest).
   */
  async replace(userId: string, key: string | null): Promise<{ previous: string | null } | undefined> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<{ avatar_key: string | null }>(
        "SELECT avatar_key FROM users WHERE id = :userId AND kind <> 'guest' FOR UPDATE",
        { userId },
      );
      if (!row) return undefined;
      await tx.execute('UPDATE users SET avatar_key = :key WHERE id = :userId', { userId, key });
      return { previous: row.avatar_key };
    });
  }
}
