import type { Participant, RoomSettings, ServerMessage } from '../../../../functions/shared/protocol/room';
import { handleServerMessage, type SessionPort } from '../../../../frontend/src/meeting/handlers';
import {
  initialRoomState,
  reduceRoomState,
  withSelfId,
  type RoomState,
} from '../../../../frontend/src/meeting/room-state';
import { KEPT_REACTIONS, raisedHands } from '../../../../frontend/src/features/reactions/reactions-state';
import { recordingNoticeText } from '../../../../frontend/src/features/recording-notice/recording-state';

const person = (peerId: string, extra: Partial<Participant> = {}): Participant => ({
  peerId,
  name: `Name ${peerId}`,
  role: 'member',
  verified: false,
  joinedAt: 1,
  mic: true,
  cam: true,
  screen: false,
  speaking: false,
  handRaised: false,
  ...extra,
});
const room: RoomSettings = {
  id: 'k3xd-9vqe-7rbn-m2ta',
  name: 'Standup',
  locked: false,
  lobby: false,
  needsPassword: false,
  maxParticipants: 8,
};
const notice = { by: 'Ann', peerId: 'a', since: 1_000 };
const welcome = (over: Partial<Extract<ServerMessage, { type: 'welcome' }>> = {}): ServerMessage => ({
  type: 'welcome',
  self: person('a', { role: 'host' }),
  room,
  roster: [person('a', { role: 'host' }), person('b')],
  chat: [],
  lobby: [],
  ...over,
});
const reduce = (messages: ServerMessage[], start: RoomState = withSelfId(initialRoomState, 'a')) =>
  messages.reduce(reduceRoomState, start);

function calls(m: ServerMessage): string[] {
  const out: string[] = [];
  const port = new Proxy({} as SessionPort, {
    get:
      (_t, name: string) =>
      (...args: unknown[]) =>
        out.push(`${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`),
  });
  handleServerMessage(port, m);
  return out;
}

describe('reactions slice', () => {
  it('each reaction is kept in arrival order with a rising sequence number, for views to show once', () => {
    const s = reduce([
      welcome(),
      { type: 'reaction', peerId: 'b', emoji: '👍' },
      { type: 'reaction', peerId: 'a', emoji: '🎉' },
    ]);
    expect(s.reactions).toEqual([
      { seq: 1, peerId: 'b', emoji: '👍' },
      { seq: 2, peerId: 'a', emoji: '🎉' },
    ]);
  });

  it('keeps only the latest few, still numbered on from the last one', () => {
    const many: ServerMessage[] = Array.from({ length: KEPT_REACTIONS + 5 }, () => ({
      type: 'reaction',
      peerId: 'b',
      emoji: '👏',
    }));
    const s = reduce(many);
    expect(s.reactions).toHaveLength(KEPT_REACTIONS);
    expect(s.reactions.at(-1)!.seq).toBe(KEPT_REACTIONS + 5);
  });

  it('a reaction changes nothing else (roster views do not redraw)', () => {
    const s1 = reduce([welcome()]);
    const s2 = reduceRoomState(s1, { type: 'reaction', peerId: 'b', emoji: '😮' });
    expect(s2.roster).toBe(s1.roster);
    expect(s2.recording).toBe(s1.recording);
  });
});

describe('raised hands', () => {
  it('lists raised hands in the order raised, not in join order', () => {
    const roster = [
      person('a', { joinedAt: 1, handRaised: true, handRaisedAt: 300 }),
      person('b', { joinedAt: 2 }),
      person('c', { joinedAt: 3, handRaised: true, handRaisedAt: 100 }),
      person('d', { joinedAt: 4, handRaised: true, handRaisedAt: 200 }),
    ];
    expect(raisedHands(roster).map((p) => p.peerId)).toEqual(['c', 'd', 'a']);
  });

  it('follows roster updates: a lowered hand leaves the list', () => {
    const s = reduce([
      welcome(),
      {
        type: 'roster.update',
        roster: [person('a', { role: 'host' }), person('b', { handRaised: true, handRaisedAt: 5 })],
      },
      { type: 'roster.update', roster: [person('a', { role: 'host' }), person('b')] },
    ]);
    expect(raisedHands(s.roster)).toEqual([]);
  });
});

describe('recording slice', () => {
  it('comes from the welcome (a late joiner), follows recording.state, and a welcome without it clears it', () => {
    expect(reduce([welcome({ recording: notice })]).recording).toEqual(notice);
    const s = reduce([welcome(), { type: 'recording.state', recording: notice }]);
    expect(s.recording).toEqual(notice);
    expect(reduceRoomState(s, { type: 'recording.state', recording: null }).recording).toBeNull();
    expect(reduceRoomState(s, welcome()).recording).toBeNull();
  });

  it('the page is told when a recording starts and when joining one already running, not when it stops', () => {
    expect(calls({ type: 'recording.state', recording: notice })).toEqual([
      `recordingNotice(${JSON.stringify(notice)})`,
    ]);
    expect(calls({ type: 'recording.state', recording: null })).toEqual([]);
    expect(calls(welcome({ recording: notice }))).toEqual([
      'enteredRoom()',
      'reconcileCalls()',
      `recordingNotice(${JSON.stringify(notice)})`,
    ]);
    expect(calls({ type: 'reaction', peerId: 'b', emoji: '👍' })).toEqual([]);
  });

  it('the notice names the recorder, or says "You" on the recorder’s own page', () => {
    expect(recordingNoticeText(notice)).toMatch(/^Ann is recording this meeting\./);
    expect(recordingNoticeText(notice, true)).toMatch(/^You are recording this meeting\./);
  });
});
