import { onRoomSocketDisconnected } from '../../../functions/room/lifecycle';
import { BREAKOUT_LIMITS } from '../../../functions/shared/protocol/breakouts';
import { createHarness, type Harness, type Sock } from './harness';

describe('breakout rooms', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let ann: Sock;
  let bob: Sock;
  let cat: Sock;
  let dan: Sock;

  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom();
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    ann = await h.joined(roomId, 'sub-ann', { name: 'Ann' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    cat = await h.joined(roomId, 'sub-cat', { name: 'Cat' });
    dan = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
    h.clear();
  });
  afterEach(() => h.restore());

  const names = (who: Sock) => h.last(who, 'roster.update')!.roster.map((p) => p.name);
  const openAuto = (by: Sock = host, extra: object = {}) =>
    h.send(by, { type: 'breakout.open', rooms: ['Red', 'Blue'], mode: 'auto', ...extra });
  const state = (who: Sock) => h.last(who, 'breakout.state')!.breakouts;
  const breakoutId = () => state(host)!.id;

  it('auto-splits the members evenly; each roster, chat and reaction stays within its room', async () => {
    await openAuto();
    expect(names(ann)).toEqual(['Ann', 'Cat']);
    expect(names(bob)).toEqual(['Bob', 'Dan']);
    expect(names(host)).toEqual(['Hosta']);
    expect(h.last(ann, 'breakout.moved')).toMatchObject({ room: { id: 'b1', name: 'Red' }, reason: 'opened' });
    expect(h.of(host, 'breakout.moved')).toEqual([]);
    expect(state(ann)!.people.map((p) => [p.name, p.room])).toEqual([
      ['Hosta', null],
      ['Ann', 'b1'],
      ['Bob', 'b2'],
      ['Cat', 'b1'],
      ['Dan', 'b2'],
    ]);

    const id = breakoutId();
    h.clear();
    await h.send(ann, { type: 'chat.send', text: 'red only' });
    await h.send(bob, { type: 'reaction.send', emoji: '👍' });
    expect(h.of(cat, 'chat.message').map((m) => m.message.text)).toEqual(['red only']);
    for (const who of [host, bob, dan]) expect(h.of(who, 'chat.message')).toEqual([]);
    expect(h.of(dan, 'reaction')).toHaveLength(1);
    for (const who of [host, ann, cat]) expect(h.of(who, 'reaction')).toEqual([]);

    // Closing brings everyone back: one roster, the main room's chat (without the Red room's line).
    await h.send(host, { type: 'chat.send', text: 'main line' });
    h.clear();
    await h.send(host, { type: 'breakout.close', breakoutId: id });
    for (const who of [host, ann, bob, cat, dan]) expect(names(who)).toHaveLength(5);
    expect(h.last(ann, 'breakout.moved')).toMatchObject({ room: null, reason: 'closed' });
    expect(h.last(ann, 'breakout.moved')!.chat.map((c) => c.text)).toEqual(['main line']);
    expect(h.last(dan, 'breakout.state')).toEqual({ type: 'breakout.state', breakouts: null });
  });

  it("tells each person their room's roster first (it alone re-meshes the calls), then the state, then the move", async () => {
    const roster = jest.spyOn(h.deps.live, 'roster');
    await openAuto();
    const id = breakoutId();
    // The opening reads the roster once to split it and once (with places, state and help) to tell everyone.
    expect(roster).toHaveBeenCalledTimes(2);
    const order = (who: Sock) =>
      h
        .inbox(who)
        .map((m) => m.type)
        .filter((t) => t.startsWith('roster') || t.startsWith('breakout'));
    for (const who of [ann, bob, cat, dan]) {
      expect(order(who)).toEqual(['roster.update', 'breakout.state', 'breakout.moved']);
    }
    expect(order(host)).toEqual(['roster.update', 'breakout.state']);
    h.clear();
    await h.send(host, { type: 'breakout.close', breakoutId: id });
    for (const who of [ann, bob, cat, dan]) {
      expect(order(who)).toEqual(['roster.update', 'breakout.state', 'breakout.moved']);
    }
    expect(order(host)).toEqual(['roster.update', 'breakout.state']);
  });

  it("refuses a member's open, assign, close and broadcast with a clear error, changing nothing", async () => {
    await h.send(ann, { type: 'breakout.open', rooms: ['A', 'B'], mode: 'auto', ref: 'o' });
    expect(h.last(ann, 'error')).toMatchObject({
      code: 'not_allowed',
      ref: 'o',
      message: expect.stringMatching(/Only the host or a cohost can open breakout rooms/),
    });
    expect(h.of(bob, 'breakout.state')).toEqual([]);
    await openAuto();
    const id = breakoutId();
    h.clear();
    await h.send(ann, { type: 'breakout.assign', peerId: bob.peerId, room: 'b1', ref: 'a' });
    await h.send(ann, { type: 'breakout.close', breakoutId: id, ref: 'c' });
    await h.send(ann, { type: 'breakout.broadcast', text: 'hi all', ref: 'b' });
    await h.send(ann, { type: 'breakout.join', room: 'b2', ref: 'j' });
    expect(h.of(ann, 'error').map((e) => [e.ref, e.code])).toEqual([
      ['a', 'not_allowed'],
      ['c', 'not_allowed'],
      ['b', 'not_allowed'],
      ['j', 'not_allowed'],
    ]);
    expect(h.of(bob, 'breakout.broadcast')).toEqual([]);
    expect(h.of(bob, 'breakout.moved')).toEqual([]);
    expect(h.of(host, 'breakout.state')).toEqual([]); // nothing changed, so nothing was sent
    expect(await h.deps.breakouts.current(roomId)).toMatchObject({ id });
  });

  it('validates the opening: 2–20 rooms, names, timer bounds', async () => {
    await h.send(host, { type: 'breakout.open', rooms: ['Solo'], mode: 'auto', ref: 'x' });
    expect(h.last(host, 'error')).toMatchObject({
      code: 'invalid_message',
      message: expect.stringMatching(/at least 2 rooms/),
    });
    const many = Array.from({ length: BREAKOUT_LIMITS.maxRooms + 1 }, (_v, i) => `R${i}`);
    await h.send(host, { type: 'breakout.open', rooms: many, mode: 'auto' });
    expect(h.last(host, 'error')!.message).toMatch(/at most 20 rooms/);
    await h.send(host, { type: 'breakout.open', rooms: ['A', 'B'], mode: 'auto', durationSeconds: 5 });
    expect(h.last(host, 'error')!.message).toMatch(/at least 60 seconds/);
    expect(await h.deps.breakouts.current(roomId)).toBeUndefined();
  });

  it('two hosts opening and closing at once end in one consistent state', async () => {
    await h.send(host, { type: 'host.cohost', peerId: ann.peerId, cohost: true });
    h.clear();
    await Promise.all([openAuto(host), h.send(ann, { type: 'breakout.open', rooms: ['X', 'Y', 'Z'], mode: 'choose' })]);
    const errors = [...h.of(host, 'error'), ...h.of(ann, 'error')];
    expect(errors.map((e) => e.code)).toEqual(['breakouts_open']);
    const opened = (await h.deps.breakouts.current(roomId))!;
    for (const who of [host, ann, bob, cat, dan]) expect(state(who)!.id).toBe(opened.id);

    h.clear();
    await Promise.all([
      h.send(host, { type: 'breakout.close', breakoutId: opened.id }),
      h.send(ann, { type: 'breakout.close', breakoutId: opened.id }),
    ]);
    expect([...h.of(host, 'error'), ...h.of(ann, 'error')]).toEqual([]);
    expect(await h.deps.breakouts.current(roomId)).toBeUndefined();
    expect(await h.deps.breakouts.places(roomId)).toEqual(new Map());
    // Everyone was told once that they are back; a second close changes nothing.
    expect(h.of(bob, 'breakout.moved')).toHaveLength(opened.mode === 'auto' ? 1 : 0);
    for (const who of [host, ann, bob, cat, dan]) expect(names(who)).toHaveLength(5);
  });

  it('moves people and lets a host visit a room and come back; a repeated move changes nothing', async () => {
    await openAuto();
    h.clear();
    await h.send(host, { type: 'breakout.assign', peerId: ann.peerId, room: 'b2' });
    await h.send(host, { type: 'breakout.assign', peerId: ann.peerId, room: 'b2' });
    expect(h.of(ann, 'breakout.moved')).toHaveLength(1);
    expect(names(ann)).toEqual(['Ann', 'Bob', 'Dan']);
    expect(names(cat)).toEqual(['Cat']);
    await h.send(host, { type: 'breakout.join', room: 'b1' });
    expect(names(cat)).toEqual(['Hosta', 'Cat']);
    expect(names(host)).toEqual(['Hosta', 'Cat']);
    await h.send(host, { type: 'breakout.join', room: null });
    expect(names(host)).toEqual(['Hosta']);
    expect(h.last(host, 'breakout.moved')).toMatchObject({ room: null, reason: 'chose' });
  });

  it('choose mode: members pick their own room; in assigned modes they cannot', async () => {
    await h.send(host, { type: 'breakout.open', rooms: ['A', 'B'], mode: 'choose' });
    expect(names(ann)).toHaveLength(5); // nobody moved yet
    await h.send(ann, { type: 'breakout.join', room: 'b2' });
    await h.send(bob, { type: 'breakout.join', room: 'b2' });
    expect(names(bob)).toEqual(['Ann', 'Bob']);
    await h.send(ann, { type: 'breakout.join', room: 'b9', ref: 'bad' });
    expect(h.last(ann, 'error')).toMatchObject({ code: 'not_found', ref: 'bad' });
  });

  it('broadcast reaches every room; ask-for-help reaches the hosts with the room, and a visit answers it', async () => {
    await openAuto();
    h.clear();
    await h.send(host, { type: 'breakout.broadcast', text: 'Five minutes left' });
    for (const who of [host, ann, bob, cat, dan]) {
      expect(h.last(who, 'breakout.broadcast')).toEqual({
        type: 'breakout.broadcast',
        by: 'Hosta',
        text: 'Five minutes left',
      });
    }
    await h.send(bob, { type: 'breakout.help' });
    expect(h.last(host, 'breakout.help')).toMatchObject({ request: { name: 'Bob', room: 'b2' }, roomName: 'Blue' });
    expect(h.of(ann, 'breakout.help')).toEqual([]);
    expect(state(host)!.help.map((r) => r.name)).toEqual(['Bob']);
    expect(state(ann)!.help).toEqual([]);
    await h.send(host, { type: 'breakout.join', room: 'b2' });
    expect(state(host)!.help).toEqual([]);
    await h.send(host, { type: 'breakout.help', ref: 'h' });
    expect(h.last(host, 'error')).toBeUndefined(); // the host in a room may ask too (another cohost)
  });

  it('the timer closes the rooms once, only after the return countdown, whoever claims it', async () => {
    await openAuto(host, { durationSeconds: 60 });
    const id = breakoutId();
    h.advance(60_000);
    await h.send(ann, { type: 'breakout.expired', breakoutId: id });
    expect(await h.deps.breakouts.current(roomId)).toBeDefined();
    h.advance(BREAKOUT_LIMITS.returnCountdownSeconds * 1000);
    h.clear();
    await Promise.all([ann, bob, cat].map((who) => h.send(who, { type: 'breakout.expired', breakoutId: id })));
    expect(await h.deps.breakouts.current(roomId)).toBeUndefined();
    expect(h.of(dan, 'breakout.moved')).toEqual([expect.objectContaining({ room: null, reason: 'timer' })]);
  });

  it.each([
    ['before the move', true],
    ['while the move runs', false],
  ])('a member who drops %s rejoins into the room the server recorded, told so', async (_when, dropFirst) => {
    await openAuto();
    const catConn = h.registry.get(cat.connectionId)!;
    const move = () => h.send(host, { type: 'breakout.assign', peerId: cat.peerId, room: 'b2', ref: 'mv' });
    if (dropFirst) {
      await onRoomSocketDisconnected(catConn, h.deps);
      await move();
      // She was gone: the host is told, and her place stays Red.
      expect(h.last(host, 'error')).toMatchObject({ code: 'not_found', ref: 'mv' });
    } else {
      await Promise.all([onRoomSocketDisconnected(catConn, h.deps), move()]);
    }
    // Either the move found her gone (refused, her place unchanged) or it landed: never half of each.
    const refused = h.last(host, 'error')?.code === 'not_found';
    const recorded = (await h.deps.breakouts.places(roomId)).get('sub-cat');
    expect(recorded).toBe(refused ? 'b1' : 'b2');
    const back = await h.joined(roomId, 'sub-cat', { name: 'Cat' });
    const welcome = h.last(back, 'welcome')!;
    expect(welcome.breakouts!.people.find((p) => p.peerId === back.peerId)!.room).toBe(recorded);
    const roommates = recorded === 'b1' ? ['Ann', 'Cat'] : ['Bob', 'Cat', 'Dan'];
    expect(welcome.roster.map((p) => p.name).sort()).toEqual(roommates);
    expect(names(ann).sort()).toEqual(recorded === 'b1' ? ['Ann', 'Cat'] : ['Ann']);
  });

  it('a late joiner lands in the main room, told so, and sees only the main room', async () => {
    await openAuto();
    const eve = await h.joined(roomId, 'sub-eve', { name: 'Eve' });
    const welcome = h.last(eve, 'welcome')!;
    expect(welcome.roster.map((p) => p.name)).toEqual(['Hosta', 'Eve']);
    expect(welcome.breakouts!.rooms.map((r) => r.name)).toEqual(['Red', 'Blue']);
    expect(h.of(ann, 'peer.joined')).toEqual([]);
    expect(h.last(host, 'peer.joined')!.participant.name).toBe('Eve');
  });
});
