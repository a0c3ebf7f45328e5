import type { Sql } from '../shared/sql/sql';
import { AccountStore } from './email-accounts';

/** The recordings side of a deletion: RecordingsService's owner-scoped list and remove (objects, then rows). */
export interface OwnedRecordings {
  list(userId: string): Promise<{ id: string }[]>;
  remove(userId: string, id: string): Promise<void>;
}

/** Objects of the account outside recordings (its avatar); each deleter removes everything under the user. */
export type UserObjectDeleter = (userId: string) => Promise<void>;

/**
 * Deletes an account and what it owns (issue #15): every session first (so nothing new is made while the rest
 * goes), then its recordings (S3 objects, then rows, as the recordings page deletes one), its other objects, then in
 * one transaction the rooms it created (members, chat, polls and whiteboards go with them: ON DELETE CASCADE), its
 * traces in other people's rooms (membership, chat lines, named votes), and the user row (tokens cascade).
 *
 * Safe to run again after a failure half-way: each step only deletes what is still there, and the user row goes
 * last, so a retry still finds the account.
 */
export async function deleteAccount(
  sql: Sql,
  userId: string,
  recordings: OwnedRecordings,
  objectDeleters: UserObjectDeleter[] = [],
): Promise<void> {
  await new AccountStore(sql).endAllSessions(userId);
  for (const recording of await recordings.list(userId)) await recordings.remove(userId, recording.id);
  for (const deleteObjects of objectDeleters) await deleteObjects(userId);
  await sql.transaction(async (tx) => {
    await tx.execute('DELETE FROM rooms WHERE created_by = :userId', { userId });
    await tx.execute('DELETE FROM room_chat_messages WHERE sender_sub = :userId', { userId });
    await tx.execute('DELETE FROM room_poll_votes WHERE voter_key = :userId', { userId });
    await tx.execute('DELETE FROM room_members WHERE sub = :userId', { userId });
    await tx.execute('DELETE FROM users WHERE id = :userId', { userId });
  });
}
