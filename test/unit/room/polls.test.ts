import { createRouter } from '../../../functions/api/router';
import { Unauthorized } from '../../../functions/shared/errors';
import type { HttpEvent } from '../../../functions/shared/http';
import type { ClientMessageOf, ServerMessage } from '../../../functions/shared/protocol/room';
import { createPollExportRoutes } from '../../../functions/room/polls/poll-export';
import { roomKeys } from '../../../functions/shared/redis-keys';
import { createHarness, type Harness, type Sock } from './harness';

type Create = Omit<ClientMessageOf<'poll.create'>, 'type'>;
const NAMED: Create = {
  question: 'Lunch?',
  options: ['Pizza', 'Sushi', 'Salad'],
  multiple: false,
  anonymous: false,
  resultsVisibleToAll: true,
};

describe('polls', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  let carol: Sock;

  beforeEach(async () => {
    h = createHarness({ pollVote: { max: 5, windowSeconds: 60 } });
    roomId = await h.createRoom({ lobby: true });
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    carol = await h.joined(roomId, 'sub-carol', { name: 'Carol' });
    h.clear();
  });
  afterEach(() => h.restore());

  async function open(extra: Partial<Create> = {}) {
    await h.send(host, { type: 'poll.create', ...NAMED, ...extra });
    const opened = h.last(host, 'poll.opened');
    expect(opened).toBeDefined();
    return opened!.view.poll.id;
  }
  const vote = (who: Sock, pollId: string, optionIndexes: number[], ref = 'v') =>
    h.send(who, { type: 'poll.vote', pollId, optionIndexes, ref });
  const lastError = (who: Sock) => h.last(who, 'error');
  const pollMessages = (who: Sock): ServerMessage[] => h.inbox(who).filter((m) => m.type.startsWith('poll.'));

  it('a host opens a named poll; votes and changed votes reach everyone live, with names; all is archived', async () => {
    const pollId = await open();
    for (const who of [host, bob, carol]) {
      expect(h.last(who, 'poll.opened')!.view).toEqual({
        poll: expect.objectContaining({ id: pollId, question: 'Lunch?', createdBy: 'Hosta', closedAt: null }),
        results: { voters: 0, counts: [0, 0, 0], ballots: [] },
        myVote: [],
      });
    }
    await vote(bob, pollId, [0]);
    await vote(carol, pollId, [1]);
    await vote(bob, pollId, [2]); // changes his mind
    for (const who of [host, bob, carol]) {
      expect(h.last(who, 'poll.results')!.view.results).toEqual({
        voters: 2,
        counts: [0, 1, 1],
        ballots: [
          { name: 'Bob', optionIndexes: [2] },
          { name: 'Carol', optionIndexes: [1] },
        ],
      });
    }
    expect(h.last(bob, 'poll.results')!.view.myVote).toEqual([2]);
    expect(h.last(carol, 'poll.results')!.view.myVote).toEqual([1]);
    expect(h.last(host, 'poll.results')!.view.myVote).toEqual([]);
    expect(h.polls.polls.get(pollId)).toMatchObject({ roomId, question: 'Lunch?', createdBySub: 'sub-host' });
    expect(await h.polls.votes(pollId)).toEqual([
      expect.objectContaining({ voterKey: 'sub-carol', voterName: 'Carol', optionIndexes: [1] }),
      expect.objectContaining({ voterKey: 'sub-bob', voterName: 'Bob', optionIndexes: [2] }),
    ]);
  });

  it('multiple choice takes several options; single choice refuses two', async () => {
    const single = await open();
    await vote(bob, single, [0, 1], 'two');
    expect(lastError(bob)).toMatchObject({ code: 'invalid_vote', ref: 'two', message: expect.stringMatching(/one/) });
    expect(await h.polls.votes(single)).toEqual([]);
    await h.send(host, { type: 'poll.close', pollId: single });
    await h.send(host, { type: 'poll.create', ...NAMED, multiple: true });
    const multi = h.last(host, 'poll.opened')!.view.poll.id;
    await vote(bob, multi, [2, 0]);
    expect(h.last(host, 'poll.results')!.view.results.counts).toEqual([1, 0, 1]);
  });

  it('a host closes it: final results to everyone, posted into chat and its archive; no vote after that', async () => {
    const pollId = await open();
    await vote(bob, pollId, [0]);
    await vote(carol, pollId, [0]);
    await h.send(host, { type: 'poll.close', pollId });
    for (const who of [host, bob, carol]) {
      const closed = h.last(who, 'poll.closed')!;
      expect(closed.reason).toBe('host');
      expect(closed.view.poll.closedAt).toEqual(expect.any(Number));
      expect(closed.view.results.counts).toEqual([2, 0, 0]);
      const chat = h.last(who, 'chat.message')!.message;
      expect(chat).toMatchObject({ system: true, name: 'Poll' });
      expect(chat.text).toBe(
        'Poll closed: Lunch?\n• Pizza: 2 votes (100%)\n• Sushi: 0 votes (0%)\n• Salad: 0 votes (0%)\n2 people voted',
      );
    }
    expect(h.store.chat.at(-1)).toMatchObject({ roomId, text: expect.stringMatching(/^Poll closed: Lunch\?/) });
    expect(h.polls.polls.get(pollId)).toMatchObject({ closedAt: expect.any(Number), closeReason: 'host' });

    await vote(carol, pollId, [1], 'late');
    expect(lastError(carol)).toMatchObject({ code: 'poll_closed', ref: 'late' });
    await h.send(host, { type: 'poll.close', pollId, ref: 'again' });
    expect(lastError(host)).toMatchObject({ code: 'poll_closed', ref: 'again' });
    expect((await h.polls.votes(pollId)).map((v) => v.optionIndexes)).toEqual([[0], [0]]);
    // A late joiner sees the final results.
    const dan = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
    expect(h.last(dan, 'welcome')!.poll).toMatchObject({ poll: { id: pollId }, results: { counts: [2, 0, 0] } });
  });

  it('results hidden until close reach only hosts and cohosts; everyone sees them once closed', async () => {
    await h.send(host, { type: 'host.cohost', peerId: carol.peerId, cohost: true });
    const pollId = await open({ resultsVisibleToAll: false });
    await vote(bob, pollId, [1]);
    expect(h.last(bob, 'poll.results')!.view).toMatchObject({ results: { voters: 1 }, myVote: [1] });
    expect(h.last(bob, 'poll.results')!.view.results.counts).toBeUndefined();
    expect(h.last(bob, 'poll.results')!.view.results.ballots).toBeUndefined();
    expect(h.last(host, 'poll.results')!.view.results).toMatchObject({ counts: [0, 1, 0] });
    expect(h.last(carol, 'poll.results')!.view.results).toMatchObject({ counts: [0, 1, 0] });
    const late = await h.joined(roomId, 'sub-late', { name: 'Late' });
    expect(h.last(late, 'welcome')!.poll!.results.counts).toBeUndefined();
    await h.send(host, { type: 'poll.close', pollId });
    expect(h.last(bob, 'poll.closed')!.view.results).toMatchObject({ counts: [0, 1, 0] });
  });

  it('anonymous: nobody is ever sent who voted what, the archive keeps no sub or name, and one vote per person', async () => {
    const pollId = await open({ anonymous: true });
    await vote(bob, pollId, [0]);
    await vote(carol, pollId, [1]);
    await vote(bob, pollId, [1]); // changed, still one vote
    expect(h.last(host, 'poll.results')!.view.results).toEqual({ voters: 2, counts: [0, 2, 0] });
    expect(h.last(bob, 'poll.results')!.view.myVote).toEqual([1]);
    const archived = await h.polls.votes(pollId);
    expect(archived).toHaveLength(2);
    for (const v of archived) {
      expect(v.voterName).toBeNull();
      expect(v.voterKey).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(v)).not.toMatch(/sub-|Bob|Carol/);
    }
    await h.send(host, { type: 'poll.close', pollId });
    for (const who of [host, bob, carol]) {
      for (const m of pollMessages(who)) expect(JSON.stringify(m)).not.toMatch(/Bob|Carol|sub-/);
      expect(h.last(who, 'poll.closed')!.view.results.ballots).toBeUndefined();
    }
    // After close the salt is gone: nothing left anywhere links a key back to a person.
    expect(await h.redis.hget(roomKeys(roomId).poll, 'salt')).toBeNull();
    const ballots = JSON.stringify(await h.redis.hgetall(roomKeys(roomId).pollVotes));
    expect(ballots).not.toMatch(/sub-|Bob|Carol/);
  });

  it('a late joiner sees the open poll and votes; a reload keeps the vote', async () => {
    const pollId = await open();
    const dan = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
    expect(h.last(dan, 'welcome')!.poll).toMatchObject({ poll: { id: pollId, closedAt: null }, myVote: [] });
    await vote(dan, pollId, [2]);
    expect(h.last(host, 'poll.results')!.view.results.counts).toEqual([0, 0, 1]);
    const again = h.socket(roomId, 'sub-dan', { name: 'Dan' });
    await h.send(again, { type: 'join' });
    expect(h.last(again, 'welcome')!.poll).toMatchObject({ myVote: [2], results: { voters: 1 } });
  });

  it('the time limit closes it lazily: a claim before the deadline changes nothing, one after closes it once', async () => {
    const pollId = await open({ durationSeconds: 30 });
    const closesAt = h.last(host, 'poll.opened')!.view.poll.closesAt!;
    await vote(bob, pollId, [0]);
    await h.send(carol, { type: 'poll.expired', pollId });
    expect(h.of(carol, 'poll.closed')).toEqual([]);
    h.advance(30_000);
    await h.send(carol, { type: 'poll.expired', pollId });
    await h.send(bob, { type: 'poll.expired', pollId });
    expect(h.of(host, 'poll.closed')).toHaveLength(1);
    expect(h.last(host, 'poll.closed')).toMatchObject({ reason: 'timer', view: { poll: { closedAt: closesAt } } });
    expect(h.polls.polls.get(pollId)).toMatchObject({ closeReason: 'timer', closedAt: closesAt });
  });

  it('a vote after the deadline is refused and closes the poll for everyone; so does a join', async () => {
    const pollId = await open({ durationSeconds: 30 });
    h.advance(31_000);
    await vote(bob, pollId, [0], 'slow');
    expect(lastError(bob)).toMatchObject({ code: 'poll_closed', ref: 'slow' });
    expect(h.last(carol, 'poll.closed')).toMatchObject({ reason: 'timer' });

    await h.send(host, { type: 'poll.create', ...NAMED, durationSeconds: 30 });
    const second = h.last(host, 'poll.opened')!.view.poll.id;
    h.advance(31_000);
    const dan = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
    expect(h.last(dan, 'welcome')!.poll).toMatchObject({ poll: { id: second, closedAt: expect.any(Number) } });
    expect(h.last(dan, 'welcome')!.chat.at(-1)!.text).toMatch(/^Poll closed: Lunch\?/);
    expect(h.last(host, 'poll.closed')!.view.poll.id).toBe(second);
  });

  it('ending the meeting with a poll open archives it as closed', async () => {
    const pollId = await open();
    await vote(bob, pollId, [1]);
    await h.send(host, { type: 'host.end' });
    expect(h.polls.polls.get(pollId)).toMatchObject({ closedAt: expect.any(Number), closeReason: 'host' });
    expect(await h.polls.votes(pollId)).toHaveLength(1);
  });

  describe('refusals', () => {
    it('a member cannot create, close or export', async () => {
      await h.send(bob, { type: 'poll.create', ...NAMED, ref: 'c' });
      expect(lastError(bob)).toMatchObject({ code: 'not_allowed', ref: 'c', message: expect.stringMatching(/poll/) });
      expect(h.polls.polls.size).toBe(0);
      expect(h.of(carol, 'poll.opened')).toEqual([]);
      const pollId = await open();
      await h.send(bob, { type: 'poll.close', pollId, ref: 'x' });
      expect(lastError(bob)).toMatchObject({ code: 'not_allowed', ref: 'x' });
      expect(h.of(carol, 'poll.closed')).toEqual([]);
    });

    it('one poll at a time', async () => {
      await open();
      await h.send(host, { type: 'poll.create', ...NAMED, question: 'Another?', ref: 'second' });
      expect(lastError(host)).toMatchObject({ code: 'poll_open', ref: 'second' });
      expect(h.polls.polls.size).toBe(1);
    });

    it('an option the poll does not have, or an unknown poll', async () => {
      const pollId = await open();
      await vote(bob, pollId, [3], 'o');
      expect(lastError(bob)).toMatchObject({ code: 'invalid_vote', ref: 'o', message: 'This poll has no option 4' });
      await vote(bob, 'zzzzzzzzzz-nope', [0], 'u');
      expect(lastError(bob)).toMatchObject({ code: 'not_found', ref: 'u' });
      await h.send(host, { type: 'poll.close', pollId: 'zzzzzzzzzz-nope', ref: 'uc' });
      expect(lastError(host)).toMatchObject({ code: 'not_found', ref: 'uc' });
      expect(await h.polls.votes(pollId)).toEqual([]);
    });

    it('a vote for an earlier, closed poll', async () => {
      const first = await open();
      await h.send(host, { type: 'poll.close', pollId: first });
      await open({ question: 'Second?' });
      await vote(bob, first, [0], 'old');
      expect(lastError(bob)).toMatchObject({ code: 'poll_closed', ref: 'old' });
    });

    it('the lobby cannot vote, and nobody before joining', async () => {
      const pollId = await open();
      const waiter = h.socket(roomId, 'sub-wait', { name: 'Wanda', role: 'lobby' });
      await h.send(waiter, { type: 'knock' });
      await vote(waiter, pollId, [0], 'l');
      expect(lastError(waiter)).toMatchObject({ code: 'not_allowed', ref: 'l' });
      const early = h.socket(roomId, 'sub-early');
      await vote(early, pollId, [0], 'e');
      expect(lastError(early)).toMatchObject({ code: 'not_in_room', ref: 'e' });
      expect(await h.polls.votes(pollId)).toEqual([]);
    });

    it.each([
      ['one option', { options: ['Only'] }],
      ['eleven options', { options: Array.from({ length: 11 }, (_v, i) => `o${i}`) }],
      ['the same option twice', { options: ['A', 'a'] }],
      ['an empty question', { question: '   ' }],
      ['a 201-character question', { question: 'q'.repeat(201) }],
      ['an 81-character option', { options: ['o'.repeat(81), 'b'] }],
      ['a 10 s limit', { durationSeconds: 10 }],
      ['a 2 h limit', { durationSeconds: 7200 }],
      ['an unknown field', { secret: true }],
    ])('a poll with %s is invalid', async (_what, extra) => {
      await h.send(host, { type: 'poll.create', ...NAMED, ...extra, ref: 'bad' });
      expect(lastError(host)).toMatchObject({ code: 'invalid_message', ref: 'bad' });
      expect(h.polls.polls.size).toBe(0);
    });

    it('votes are rate-limited per person', async () => {
      const pollId = await open();
      for (let i = 0; i < 6; i += 1) await vote(bob, pollId, [i % 3], `r${i}`);
      expect(lastError(bob)).toMatchObject({ code: 'rate_limited', ref: 'r5' });
      expect(h.of(host, 'poll.results')).toHaveLength(5);
    });
  });
});

describe('poll export', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  let carol: Sock;
  let route: ReturnType<typeof createRouter>;

  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom();
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    carol = await h.joined(roomId, 'sub-carol', { name: 'Carol' });
    route = createRouter(
      createPollExportRoutes(() => ({
        // Tokens in these tests are "sub|name"; signature checks are tested in test/unit/auth.
        async verifyAccessToken(token) {
          const [sub, name] = token.split('|');
          if (!sub || !name) throw new Unauthorized('Invalid token', 'invalid-token');
          return { sub, name, kind: 'guest' };
        },
        store: h.store,
        polls: h.polls,
      })),
    );
  });
  afterEach(() => h.restore());

  const get = async (pollId: string, format: string, token?: string) => {
    const res = await route({
      version: '2.0',
      routeKey: '$default',
      rawPath: `/api/rooms/${roomId}/polls/${pollId}/export`,
      rawQueryString: `format=${format}`,
      queryStringParameters: { format },
      headers: token ? { authorization: `Bearer ${token}` } : {},
      requestContext: { http: { method: 'GET', path: '/', sourceIp: '203.0.113.9' }, requestId: 'r1' },
      isBase64Encoded: false,
    } as unknown as HttpEvent);
    return { status: res.statusCode, headers: res.headers ?? {}, body: String(res.body) };
  };

  async function runPoll(anonymous: boolean) {
    await h.send(host, {
      type: 'poll.create',
      question: '=Best "day", really?',
      options: ['Mon', 'Tue'],
      multiple: true,
      anonymous,
      resultsVisibleToAll: true,
    });
    const pollId = h.last(host, 'poll.opened')!.view.poll.id;
    await h.send(bob, { type: 'poll.vote', pollId, optionIndexes: [0, 1] });
    await h.send(carol, { type: 'poll.vote', pollId, optionIndexes: [1] });
    return pollId;
  }

  it('the host downloads a named poll as CSV and JSON, with names, while it is still open', async () => {
    const pollId = await runPoll(false);
    const csv = await get(pollId, 'csv', 'sub-host|Hosta');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="poll-${pollId}.csv"`);
    expect(csv.body).toBe(
      'question,option,votes,voters\r\n' +
        `"'=Best ""day"", really?",Mon,1,Bob\r\n` +
        `"'=Best ""day"", really?",Tue,2,Bob; Carol\r\n`,
    );
    const json = await get(pollId, 'json', 'sub-host|Hosta');
    expect(JSON.parse(json.body)).toMatchObject({
      poll: { id: pollId, anonymous: false, closedAt: null },
      voters: 2,
      results: [
        { option: 'Mon', votes: 1, voters: ['Bob'] },
        { option: 'Tue', votes: 2, voters: ['Bob', 'Carol'] },
      ],
      ballots: [
        { name: 'Bob', options: ['Mon', 'Tue'] },
        { name: 'Carol', options: ['Tue'] },
      ],
    });
  });

  it('an anonymous poll exports counts only: no names, no voter keys', async () => {
    const pollId = await runPoll(true);
    await h.send(host, { type: 'poll.close', pollId });
    const csv = await get(pollId, 'csv', 'sub-host|Hosta');
    expect(csv.body).toBe(
      `question,option,votes\r\n"'=Best ""day"", really?",Mon,1\r\n"'=Best ""day"", really?",Tue,2\r\n`,
    );
    const json = await get(pollId, 'json', 'sub-host|Hosta');
    const data = JSON.parse(json.body);
    expect(data).toMatchObject({
      voters: 2,
      results: [
        { option: 'Mon', votes: 1 },
        { option: 'Tue', votes: 2 },
      ],
    });
    expect(data.ballots).toBeUndefined();
    const keys = (await h.polls.votes(pollId)).map((v) => v.voterKey);
    for (const text of [csv.body, json.body]) {
      expect(text).not.toMatch(/Bob|Carol|sub-/);
      for (const key of keys) expect(text).not.toContain(key);
    }
  });

  it('refuses members, strangers, other rooms, unknown polls and formats', async () => {
    const pollId = await runPoll(false);
    expect((await get(pollId, 'csv', 'sub-bob|Bob')).status).toBe(403);
    expect((await get(pollId, 'csv', 'sub-nobody|Nobody')).status).toBe(403);
    expect((await get(pollId, 'csv')).status).toBe(401);
    expect((await get('zzzzzzzzzz-nope', 'csv', 'sub-host|Hosta')).status).toBe(404);
    expect((await get(pollId, 'xml', 'sub-host|Hosta')).status).toBe(400);
    const other = await h.createRoom({ hostSub: 'sub-host' });
    roomId = other;
    expect((await get(pollId, 'csv', 'sub-host|Hosta')).status).toBe(404);
  });
});
