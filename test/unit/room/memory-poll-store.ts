import type { Poll } from '../../../functions/shared/protocol/polls';
import type { ArchivedPoll, ArchivedVote, PollCloseReason, PollStore } from '../../../functions/room/polls/poll-store';

/** An in-memory PollStore for unit tests (the SQL adapter is tested against PostgreSQL). */
export class MemoryPollStore implements PollStore {
  polls = new Map<string, ArchivedPoll>();
  votesByPoll = new Map<string, Map<string, ArchivedVote>>();

  async createPoll(roomId: string, poll: Poll, createdBySub: string) {
    this.polls.set(poll.id, { ...poll, roomId, createdBySub, closeReason: null });
  }
  async deletePoll(pollId: string) {
    this.polls.delete(pollId);
    this.votesByPoll.delete(pollId);
  }
  async recordVote(vote: ArchivedVote) {
    if (!this.polls.has(vote.pollId)) throw new Error('foreign key: no such poll');
    const votes = this.votesByPoll.get(vote.pollId) ?? new Map<string, ArchivedVote>();
    const earlier = votes.get(vote.voterKey);
    votes.set(vote.voterKey, { ...vote, voterName: earlier?.voterName ?? vote.voterName });
    this.votesByPoll.set(vote.pollId, votes);
  }
  async closePoll(pollId: string, closedAt: number, reason: PollCloseReason) {
    const p = this.polls.get(pollId);
    if (p && p.closedAt === null) Object.assign(p, { closedAt, closeReason: reason });
  }
  async getPoll(roomId: string, pollId: string) {
    const p = this.polls.get(pollId);
    return p && p.roomId === roomId ? { ...p } : undefined;
  }
  async votes(pollId: string) {
    return [...(this.votesByPoll.get(pollId)?.values() ?? [])].sort((a, b) => a.votedAt - b.votedAt);
  }
}
