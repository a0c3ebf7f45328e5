import type { Poll } from '../../shared/protocol/polls';
import { getSql, type Sql } from '../../shared/sql/sql';

export type PollCloseReason = 'host' | 'timer';

export interface ArchivedPoll extends Poll {
  roomId: string;
  createdBySub: string;
  closeReason: PollCloseReason | null;
}

export interface ArchivedVote {
  pollId: string;
  /** The sub (named polls) or its salted hash (anonymous polls): see migration 0005. */
  voterKey: string;
  /** null in anonymous polls. */
  voterName: string | null;
  optionIndexes: number[];
  votedAt: number;
}

/** The durable record of polls and votes (PostgreSQL), read by the export. */
export interface PollStore {
  createPoll(roomId: string, poll: Poll, createdBySub: string): Promise<void>;
  /** Undoes `createPoll` for a poll that lost the race to open (another host's poll opened first). */
  deletePoll(pollId: string): Promise<void>;
  /** Inserts or replaces the voter's row. */
  recordVote(vote: ArchivedVote): Promise<void>;
  closePoll(pollId: string, closedAt: number, reason: PollCloseReason): Promise<void>;
  getPoll(roomId: string, pollId: string): Promise<ArchivedPoll | undefined>;
  /** Oldest vote first. */
  votes(pollId: string): Promise<ArchivedVote[]>;
}

interface PollRow {
  id: string;
  room_id: string;
  question: string;
  options: string;
  multiple: boolean;
  anonymous: boolean;
  results_visible_to_all: boolean;
  created_by_sub: string;
  created_by_name: string;
  opened_at: string;
  closes_at: string | null;
  closed_at: string | null;
  close_reason: PollCloseReason | null;
}

// The Data API's JSON records give timestamps as 'YYYY-MM-DD HH:MM:SS[.fff]' in UTC, and json columns as text.
const epochMs = (t: string) => new Date(`${String(t).replace(' ', 'T')}Z`).getTime();
const fromJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export class SqlPollStore implements PollStore {
  constructor(private readonly sql: () => Sql = getSql) {}

  async createPoll(roomId: string, poll: Poll, createdBySub: string): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_polls (id, room_id, question, options, multiple, anonymous, results_visible_to_all,
         created_by_sub, created_by_name, opened_at, closes_at)
       VALUES (:id, :roomId, :question, :options, :multiple, :anonymous, :visible, :sub, :name, :openedAt, :closesAt)`,
      {
        id: poll.id,
        roomId,
        question: poll.question,
        options: poll.options,
        multiple: poll.multiple,
        anonymous: poll.anonymous,
        visible: poll.resultsVisibleToAll,
        sub: createdBySub,
        name: poll.createdBy,
        openedAt: new Date(poll.openedAt),
        closesAt: poll.closesAt === null ? null : new Date(poll.closesAt),
      },
    );
  }

  async deletePoll(pollId: string): Promise<void> {
    await this.sql().execute(`DELETE FROM room_polls WHERE id = :pollId`, { pollId });
  }

  async recordVote(vote: ArchivedVote): Promise<void> {
    await this.sql().execute(
      `INSERT INTO room_poll_votes (poll_id, voter_key, voter_name, option_indexes, voted_at)
       VALUES (:pollId, :voterKey, :voterName, :optionIndexes, :votedAt)
       ON CONFLICT (poll_id, voter_key)
       DO UPDATE SET option_indexes = EXCLUDED.option_indexes, voted_at = EXCLUDED.voted_at`,
      { ...vote, votedAt: new Date(vote.votedAt) },
    );
  }

  async closePoll(pollId: string, closedAt: number, reason: PollCloseReason): Promise<void> {
    await this.sql().execute(
      `UPDATE room_polls SET closed_at = :closedAt, close_reason = :reason WHERE id = :pollId AND closed_at IS NULL`,
      { pollId, closedAt: new Date(closedAt), reason },
    );
  }

  async getPoll(roomId: string, pollId: string): Promise<ArchivedPoll | undefined> {
    const [r] = await this.sql().query<PollRow>(
      `SELECT id, room_id, question, options, multiple, anonymous, results_visible_to_all, created_by_sub,
         created_by_name, opened_at, closes_at, closed_at, close_reason
       FROM room_polls WHERE id = :pollId AND room_id = :roomId`,
      { pollId, roomId },
    );
    if (!r) return undefined;
    return {
      id: r.id,
      roomId: r.room_id,
      question: r.question,
      options: fromJson<string[]>(r.options),
      multiple: r.multiple,
      anonymous: r.anonymous,
      resultsVisibleToAll: r.results_visible_to_all,
      createdBy: r.created_by_name,
      createdBySub: r.created_by_sub,
      openedAt: epochMs(r.opened_at),
      closesAt: r.closes_at ? epochMs(r.closes_at) : null,
      closedAt: r.closed_at ? epochMs(r.closed_at) : null,
      closeReason: r.close_reason ?? null,
    };
  }

  async votes(pollId: string): Promise<ArchivedVote[]> {
    const rows = await this.sql().query<{
      poll_id: string;
      voter_key: string;
      voter_name: string | null;
      option_indexes: string;
      voted_at: string;
    }>(
      `SELECT poll_id, voter_key, voter_name, option_indexes, voted_at FROM room_poll_votes
       WHERE poll_id = :pollId ORDER BY voted_at, voter_key`,
      { pollId },
    );
    return rows.map((r) => ({
      pollId: r.poll_id,
      voterKey: r.voter_key,
      voterName: r.voter_name ?? null,
      optionIndexes: fromJson<number[]>(r.option_indexes),
      votedAt: epochMs(r.voted_at),
    }));
  }
}
