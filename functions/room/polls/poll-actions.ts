/**
 * Polls on the room socket. Hosts and cohosts open and close them; everyone in the room (never the lobby) votes,
 * once per identity, and may change the vote until the poll closes.
 *
 * There are no server timers (Lambda): a poll past its time limit is closed by the first message that touches it
 * (a vote, a create, a close, a join) or by the pages' `poll.expired` claims, and the server checks the deadline
 * itself each time.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Poll, PollView } from '../../shared/protocol/polls';
import type { ChatMessage, ServerMessage } from '../../shared/protocol/room';
import { announce, depart } from '../departure';
import { RoomRuleError, notFound } from '../errors';
import { newMessageId } from '../ids';
import type { LiveParticipant } from '../live-state';
import { HOSTS, requireParticipant, requireRole, type Handler, type RoomDeps } from '../room-context';
import type { LivePoll, StoredBallot } from './poll-live';
import type { PollCloseReason } from './poll-store';

const pollOpen = () => new RoomRuleError('poll_open', 'Another poll is still open: close it first', 409);
const pollClosed = () => new RoomRuleError('poll_closed', 'This poll has closed', 409);
const invalidVote = (message: string) => new RoomRuleError('invalid_vote', message, 400);

/** Named polls key ballots by sub; anonymous ones by a salted hash of it, so the archive holds no sub. */
function voterKey(live: LivePoll, sub: string): string | undefined {
  if (!live.poll.anonymous) return sub;
  return live.salt ? createHmac('sha256', live.salt).update(sub).digest('hex') : undefined;
}

/** Whether `p` may see results now: everyone after close, else as the creator chose (hosts always). */
function seesResults(poll: Poll, p: LiveParticipant): boolean {
  return poll.closedAt !== null || poll.resultsVisibleToAll || HOSTS.includes(p.role);
}

export function pollView(live: LivePoll, ballots: Map<string, StoredBallot>, p: LiveParticipant): PollView {
  const { poll } = live;
  const key = voterKey(live, p.sub);
  const myVote = (key && ballots.get(key)?.optionIndexes) || [];
  const results: PollView['results'] = { voters: ballots.size };
  if (seesResults(poll, p)) {
    const counts = poll.options.map(() => 0);
    for (const b of ballots.values()) for (const i of b.optionIndexes) if (i < counts.length) counts[i]! += 1;
    results.counts = counts;
    if (!poll.anonymous) {
      results.ballots = [...ballots.values()]
        .map((b) => ({ name: b.name ?? '', optionIndexes: b.optionIndexes }))
        .sort((a, b) => a.name.localeCompare(b.name));
    }
  }
  return { poll, results, myVote };
}

/** Sends each participant their own view (results and vote differ per person); gone sockets count as departed. */
async function announceViews(
  deps: RoomDeps,
  roomId: string,
  live: LivePoll,
  message: (view: PollView) => ServerMessage,
): Promise<void> {
  const [roster, ballots] = await Promise.all([deps.live.roster(roomId), deps.pollLive.ballots(roomId)]);
  const delivered = await Promise.all(
    roster.map((p) => deps.notifier.send(p.connectionId, message(pollView(live, ballots, p)))),
  );
  for (const p of roster.filter((_p, i) => !delivered[i])) await depart(deps, roomId, p, 'disconnected');
}

function resultsText(poll: Poll, ballots: Map<string, StoredBallot>): string {
  const counts = poll.options.map(() => 0);
  for (const b of ballots.values()) for (const i of b.optionIndexes) if (i < counts.length) counts[i]! += 1;
  const voters = ballots.size;
  const lines = poll.options.map((option, i) => {
    const n = counts[i]!;
    const share = voters ? ` (${Math.round((n / voters) * 100)}%)` : '';
    return `• ${option}: ${n} ${n === 1 ? 'vote' : 'votes'}${share}`;
  });
  return [`Poll closed: ${poll.question}`, ...lines, `${voters} ${voters === 1 ? 'person' : 'people'} voted`].join(
    '\n',
  );
}

/** The final results go into the chat too (and its archive), so they stay with the meeting's record. */
async function postResultsToChat(deps: RoomDeps, roomId: string, live: LivePoll, ballots: Map<string, StoredBallot>) {
  const now = deps.now();
  const message: ChatMessage = {
    id: newMessageId(now),
    peerId: 'poll',
    name: 'Poll',
    text: resultsText(live.poll, ballots),
    sentAt: new Date(now).toISOString(),
    system: true,
  };
  await deps.store.archiveChat({
    id: message.id,
    roomId,
    senderSub: live.creatorSub,
    senderPeerId: message.peerId,
    senderName: message.name,
    text: message.text,
    sentAt: new Date(now),
  });
  await deps.live.appendChat(roomId, message);
  await announce(deps, roomId, { type: 'chat.message', message });
}

/** Closes the open poll once, however many callers race; false when someone else closed it first. */
async function closePoll(deps: RoomDeps, roomId: string, live: LivePoll, reason: PollCloseReason): Promise<boolean> {
  const closedAt = reason === 'timer' && live.poll.closesAt !== null ? live.poll.closesAt : deps.now();
  const closed: LivePoll = { ...live, poll: { ...live.poll, closedAt } };
  if (!(await deps.pollLive.close(roomId, closed.poll))) return false;
  await deps.pollStore.closePoll(live.poll.id, closedAt, reason);
  // `closed` still holds the salt, so each person's final view shows their own vote; Redis no longer does.
  await announceViews(deps, roomId, closed, (view) => ({ type: 'poll.closed', view, reason }));
  await postResultsToChat(deps, roomId, closed, await deps.pollLive.ballots(roomId));
  return true;
}

const isOpen = (live: LivePoll | undefined): live is LivePoll => live !== undefined && live.poll.closedAt === null;
const isOverdue = (live: LivePoll, now: number) => live.poll.closesAt !== null && now >= live.poll.closesAt;

/** The current poll, after closing it if its time limit has passed (lazily: nothing else would). */
async function currentPoll(deps: RoomDeps, roomId: string): Promise<LivePoll | undefined> {
  const live = await deps.pollLive.current(roomId);
  if (!isOpen(live) || !isOverdue(live, deps.now())) return live;
  await closePoll(deps, roomId, live, 'timer');
  return deps.pollLive.current(roomId);
}

/** The open poll `pollId`, or the refusal that says why it cannot be acted on. */
async function openPollOrRefuse(deps: RoomDeps, roomId: string, pollId: string): Promise<LivePoll> {
  const live = await currentPoll(deps, roomId);
  if (live?.poll.id === pollId) {
    if (!isOpen(live)) throw pollClosed();
    return live;
  }
  // Not the current poll: an older one of this room has closed; anything else does not exist here.
  if (await deps.pollStore.getPoll(roomId, pollId)) throw pollClosed();
  throw notFound('There is no such poll in this room');
}

/**
 * The meeting ends with a poll open: the live state is about to be wiped, so the archive records it as closed now
 * (its export then says when). Nobody is told: every socket is closing.
 */
export async function archiveOpenPollAsClosed(deps: RoomDeps, roomId: string): Promise<void> {
  const live = await deps.pollLive.current(roomId);
  if (!isOpen(live)) return;
  const closedAt = deps.now();
  if (await deps.pollLive.close(roomId, { ...live.poll, closedAt })) {
    await deps.pollStore.closePoll(live.poll.id, closedAt, 'host');
  }
}

/** What `welcome` carries: the open poll (or the last closed one) as this participant sees it. */
export async function pollForWelcome(deps: RoomDeps, roomId: string, p: LiveParticipant) {
  const live = await currentPoll(deps, roomId);
  if (!live) return undefined;
  return pollView(live, await deps.pollLive.ballots(roomId), p);
}

export const createPoll: Handler<'poll.create'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'create a poll');
  if (isOpen(await currentPoll(deps, who.roomId))) throw pollOpen();
  const now = deps.now();
  const poll: Poll = {
    id: newMessageId(now),
    question: message.question,
    options: message.options,
    multiple: message.multiple,
    anonymous: message.anonymous,
    resultsVisibleToAll: message.resultsVisibleToAll,
    createdBy: p.name,
    openedAt: now,
    closesAt: message.durationSeconds ? now + message.durationSeconds * 1000 : null,
    closedAt: null,
  };
  const live: LivePoll = {
    poll,
    creatorSub: p.sub,
    ...(poll.anonymous ? { salt: randomBytes(32).toString('hex') } : {}),
  };
  // Archived first, so every vote has its poll row; a poll that then loses the race to open is removed again.
  await deps.pollStore.createPoll(who.roomId, poll, p.sub);
  if (!(await deps.pollLive.open(who.roomId, live))) {
    await deps.pollStore.deletePoll(poll.id);
    throw pollOpen();
  }
  await announceViews(deps, who.roomId, live, (view) => ({ type: 'poll.opened', view }));
};

export const votePoll: Handler<'poll.vote'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  await deps.rateLimit(`poll-vote:${who.roomId}:${who.sub}`, deps.limits.pollVote);
  const live = await openPollOrRefuse(deps, who.roomId, message.pollId);
  const { poll } = live;
  const unknown = message.optionIndexes.find((i) => i >= poll.options.length);
  if (unknown !== undefined) throw invalidVote(`This poll has no option ${unknown + 1}`);
  if (!poll.multiple && message.optionIndexes.length > 1) throw invalidVote('This poll takes one choice only');
  const key = voterKey(live, p.sub);
  if (!key) throw pollClosed();
  const optionIndexes = [...message.optionIndexes].sort((a, b) => a - b);
  const votedAt = deps.now();
  const ballot: StoredBallot = { ...(poll.anonymous ? {} : { name: p.name }), optionIndexes, votedAt };
  // Redis decides (atomically with the close): a vote that lost the race to the close is refused, not archived.
  if (!(await deps.pollLive.vote(who.roomId, poll.id, key, ballot))) throw pollClosed();
  await deps.pollStore.recordVote({
    pollId: poll.id,
    voterKey: key,
    voterName: poll.anonymous ? null : p.name,
    optionIndexes,
    votedAt,
  });
  await announceViews(deps, who.roomId, live, (view) => ({ type: 'poll.results', view }));
};

export const closePollNow: Handler<'poll.close'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  requireRole(p, HOSTS, 'close a poll');
  const live = await openPollOrRefuse(deps, who.roomId, message.pollId);
  if (!(await closePoll(deps, who.roomId, live, 'host'))) throw pollClosed();
};

/** Any participant may say the time limit has passed; the server checks, and closes at most once. */
export const claimPollExpired: Handler<'poll.expired'> = async (deps, who, message) => {
  await requireParticipant(deps, who);
  const live = await deps.pollLive.current(who.roomId);
  if (!isOpen(live) || live.poll.id !== message.pollId || !isOverdue(live, deps.now())) return;
  await closePoll(deps, who.roomId, live, 'timer');
};
