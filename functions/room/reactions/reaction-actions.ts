/**
 * Reactions and raised hands. A reaction is relayed to the room and forgotten (never stored, rate-limited per
 * sender); a raised hand is participant state (`handRaised` with `handRaisedAt`, set by `state`), which a host or
 * cohost may lower for anyone and a member only for themselves.
 */
import { announce, announceToPlaceOf, rosterUpdate } from '../departure';
import { notFound } from '../errors';
import { HOSTS, requireParticipant, requireRole, type Handler } from '../room-context';

export const sendReaction: Handler<'reaction.send'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  await deps.rateLimit(`reaction:${who.roomId}:${who.sub}`, deps.limits.reaction);
  // Everyone in the sender's room (main or breakout), the sender too: every page there shows it on the sender's tile.
  await announceToPlaceOf(deps, who.roomId, p.sub, { type: 'reaction', peerId: p.peerId, emoji: message.emoji });
};

export const lowerHand: Handler<'host.lowerHand'> = async (deps, who, message) => {
  const p = await requireParticipant(deps, who);
  if (message.peerId !== p.peerId) requireRole(p, HOSTS, "lower someone else's hand");
  const t = await deps.live.getParticipant(who.roomId, message.peerId);
  if (!t) throw notFound('Nobody with that id is in the room');
  // Already down: nothing to write or tell (a second click, or two hosts at once).
  if (!t.handRaised) return;
  if (await deps.live.updateParticipant(who.roomId, t.peerId, { handRaised: false, handRaisedAt: 0 })) {
    await announce(deps, who.roomId, rosterUpdate);
  }
};
