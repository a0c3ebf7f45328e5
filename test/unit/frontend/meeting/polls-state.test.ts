import type { PollView } from '../../../../functions/shared/protocol/polls';
import type { ServerMessage } from '../../../../functions/shared/protocol/room';
import { isPollOpen } from '../../../../frontend/src/features/polls/polls-state';
import { initialRoomState, reduceRoomState, withSelfId } from '../../../../frontend/src/meeting/room-state';
import { handleServerMessage, type SessionPort } from '../../../../frontend/src/meeting/handlers';

const view = (id: string, over: Partial<PollView['poll']> = {}, results: PollView['results'] = { voters: 0 }) => ({
  poll: {
    id,
    question: `Question ${id}?`,
    options: ['Yes', 'No'],
    multiple: false,
    anonymous: false,
    resultsVisibleToAll: true,
    createdBy: 'Ann',
    openedAt: 1000,
    closesAt: null,
    closedAt: null,
    ...over,
  },
  results,
  myVote: [] as number[],
});

const welcome = (poll?: PollView): ServerMessage => ({
  type: 'welcome',
  self: {
    peerId: 'a',
    name: 'A',
    role: 'member',
    joinedAt: 1,
    mic: true,
    cam: true,
    screen: false,
    speaking: false,
    handRaised: false,
    verified: false,
  },
  room: {
    id: 'k3xd-9vqe-7rbn-m2ta',
    name: 'Standup',
    locked: false,
    lobby: false,
    needsPassword: false,
    maxParticipants: 8,
  },
  roster: [],
  chat: [],
  lobby: [],
  ...(poll ? { poll } : {}),
});

const reduce = (messages: ServerMessage[]) => messages.reduce(reduceRoomState, withSelfId(initialRoomState, 'a'));

describe('polls slice', () => {
  it('a welcome brings the open poll with our vote (late joiner, reload); without one there is none', () => {
    const open = { ...view('p1111111', {}, { voters: 1, counts: [1, 0] }), myVote: [0] };
    const s = reduce([welcome(open)]);
    expect(s.poll).toEqual(open);
    expect(isPollOpen(s.poll)).toBe(true);
    expect(reduce([welcome(open), welcome()]).poll).toBeNull();
  });

  it('opened, results and closed replace the view; the final results are not undone by a late results message', () => {
    const opened = view('p1111111');
    const results = { ...view('p1111111', {}, { voters: 1, counts: [0, 1] }), myVote: [1] };
    const closed = view('p1111111', { closedAt: 5000 }, { voters: 1, counts: [0, 1] });
    let s = reduce([{ type: 'poll.opened', view: opened }]);
    expect(s.poll).toBe(opened);
    s = reduceRoomState(s, { type: 'poll.results', view: results });
    expect(s.poll).toBe(results);
    s = reduceRoomState(s, { type: 'poll.closed', view: closed, reason: 'host' });
    expect(s.poll).toBe(closed);
    expect(isPollOpen(s.poll)).toBe(false);
    const after = reduceRoomState(s, { type: 'poll.results', view: results });
    expect(after).toBe(s);
  });

  it('a message about an older poll than the one shown is ignored', () => {
    const newer = view('p2222222', { openedAt: 9000 });
    const s = reduce([{ type: 'poll.opened', view: newer }]);
    expect(
      reduceRoomState(s, { type: 'poll.closed', view: view('p1111111', { closedAt: 8000 }), reason: 'timer' }).poll,
    ).toBe(newer);
  });

  it('other messages leave the slice untouched, and an opened poll is announced', () => {
    const s = reduce([{ type: 'poll.opened', view: view('p1111111') }]);
    expect(reduceRoomState(s, { type: 'host.mutedAll', by: 'Ann' }).poll).toBe(s.poll);
    const calls: string[] = [];
    const port = new Proxy({} as SessionPort, {
      get: (_t, name) => (arg: unknown) => calls.push(`${String(name)}(${JSON.stringify(arg)})`),
    });
    handleServerMessage(port, { type: 'poll.opened', view: view('p1111111') });
    expect(calls).toEqual(['notice("Ann opened a poll: Question p1111111?")']);
  });
});
