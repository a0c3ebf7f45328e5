import { Forbidden } from './errors';
import { getRedis, type RedisClient } from './redis';
import { roomKeys } from './redis-keys';

/**
 * Membership is one fact: "identity `sub` is in room R, and the ticket with peer id P speaks for it". A room ticket
 * proves who someone is for five minutes; whether they may still see and hear the room is this fact, which every door
 * reads: `$connect` of both socket kinds, the room socket's `join`, and every relayed PeerJS frame (both ends).
 * Removing, leaving and ending the meeting delete it, so an unexpired ticket is worth nothing afterwards.
 *
 * One entry per identity: a second join by the same person replaces the first (its peer id is no longer the
 * current one), so extra tickets can neither inflate the roster nor keep a second, hidden session in the call.
 */
export interface Membership {
  /** Makes `peerId` the identity's one current entry (a join or a lobby admission). */
  admit(roomId: string, sub: string, peerId: string): Promise<void>;
  /**
   * Ends the membership. With `peerId`, only while that entry is still the current one (a late `leave` from an old
   * tab must not end the new tab's membership); true when something was ended.
   */
  revoke(roomId: string, sub: string, peerId?: string): Promise<boolean>;
  /** The peer id of the identity's current entry, if it is a member. */
  currentPeer(roomId: string, sub: string): Promise<string | undefined>;
  /** For each (sub, peerId): is that entry the identity's current one? One round trip for a relayed frame's two ends. */
  areCurrent(roomId: string, entries: readonly MemberEntry[]): Promise<boolean[]>;
  /** The sender (and target) of a relayed PeerJS frame, checked together. */
  checkRelay(roomId: string, sender: MemberEntry, target?: MemberEntry): Promise<RelayCheck>;
  /** The meeting ended: nobody is a member any more. */
  clear(roomId: string): Promise<void>;
}

export interface MemberEntry {
  sub: string;
  peerId: string;
}

/** What one relayed frame needs to know, read in one round trip. */
export interface RelayCheck {
  /** The sender's ticket still speaks for a current member. */
  senderMember: boolean;
  /** The sender is in the live roster (joined, not departed): a member without a tile calls nobody. */
  senderPresent: boolean;
  /** The target (when given) is a current member. */
  targetMember: boolean;
  /**
   * Sender and target (when given) are in the same place: both in the main room or both in one breakout room
   * (room/breakouts/). Media never crosses breakout rooms, whatever a page asks for.
   */
  samePlace: boolean;
}

/** The error code of every door's "your membership ended" refusal (the handshake body, PeerJS ERROR, logs). */
export const NOT_A_MEMBER = 'not-a-member';

export const notAMemberError = () =>
  new Forbidden(
    'This ticket no longer admits you: you left, were removed, or joined again from elsewhere',
    NOT_A_MEMBER,
  );

// As long as the rest of the live room state (live-state.ts): a meeting is hours, a day is plenty.
const MEMBERSHIP_TTL_SECONDS = 24 * 60 * 60;

const field = (sub: string) => `sub:${sub}`;

// Compare-and-delete in one step (one key, so it is cluster-safe): a check-then-HDEL could delete a newer entry.
const REVOKE_IF_CURRENT = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`;

export class RedisMembership implements Membership {
  constructor(private readonly redis: () => RedisClient = getRedis) {}

  async admit(roomId: string, sub: string, peerId: string): Promise<void> {
    const key = roomKeys(roomId).members;
    await this.redis().multi().hset(key, field(sub), peerId).expire(key, MEMBERSHIP_TTL_SECONDS).exec();
  }

  async revoke(roomId: string, sub: string, peerId?: string): Promise<boolean> {
    const key = roomKeys(roomId).members;
    if (peerId === undefined) return (await this.redis().hdel(key, field(sub))) > 0;
    return Number(await this.redis().eval(REVOKE_IF_CURRENT, 1, key, field(sub), peerId)) > 0;
  }

  async currentPeer(roomId: string, sub: string): Promise<string | undefined> {
    return (await this.redis().hget(roomKeys(roomId).members, field(sub))) ?? undefined;
  }

  async areCurrent(roomId: string, entries: readonly MemberEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const current = await this.redis().hmget(roomKeys(roomId).members, ...entries.map((e) => field(e.sub)));
    return entries.map((e, i) => current[i] === e.peerId);
  }

  async checkRelay(roomId: string, sender: MemberEntry, target?: MemberEntry): Promise<RelayCheck> {
    const k = roomKeys(roomId);
    const fields = target ? [field(sender.sub), field(target.sub)] : [field(sender.sub)];
    const subs = target ? [sender.sub, target.sub] : [sender.sub];
    // One slot ({room:R}), so one MULTI even on a cluster.
    const results = await this.redis()
      .multi()
      .hmget(k.members, ...fields)
      .exists(k.peer(sender.peerId))
      .hmget(k.breakoutPlaces, ...subs)
      .exec();
    if (!results) throw new Error('Redis MULTI for the relay check was aborted');
    const [[membersError, current], [existsError, present], [placesError, places]] = results as [
      [Error | null, (string | null)[]],
      [Error | null, number],
      [Error | null, (string | null)[]],
    ];
    if (membersError ?? existsError ?? placesError) throw membersError ?? existsError ?? placesError;
    return {
      senderMember: current[0] === sender.peerId,
      senderPresent: present === 1,
      targetMember: target ? current[1] === target.peerId : false,
      samePlace: target ? (places[0] ?? '') === (places[1] ?? '') : false,
    };
  }

  async clear(roomId: string): Promise<void> {
    await this.redis().del(roomKeys(roomId).members);
  }
}
