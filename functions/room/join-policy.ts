import { AppError, Conflict, Forbidden } from '../shared/errors';
import type { Role } from '../shared/protocol/room';
import type { RoomRecord } from './room-store';

export type JoinDecision = { status: 'joined'; role: Role } | { status: 'lobby'; role: 'lobby' };

export interface JoinFacts {
  room: RoomRecord;
  /** The identity's role if they were let in before (creator, admitted, or joined earlier). */
  memberRole: Role | undefined;
  removed: boolean;
  /** Undefined when no password was needed or given; the caller verifies with scrypt. */
  passwordAccepted: boolean | undefined;
  passwordGiven: boolean;
  /** Distinct other identities in the room now. */
  othersPresent: number;
}

/**
 * Who gets in, in the order users should hear about it. Someone let in before (host, cohost, admitted member) is not
 * asked again for the password, the lobby or an unlocked room — a dropped connection must not lock the host out —
 * but nobody passes a removal, an ended meeting or a full room.
 */
export function decideJoin(f: JoinFacts): JoinDecision {
  if (f.room.ended) throw new AppError('room-ended', 'This meeting has ended', 410);
  if (f.removed) throw new Forbidden('You were removed from this meeting and cannot rejoin it', 'removed');
  const returning = f.memberRole !== undefined;
  if (!returning && f.room.passwordHash !== null) {
    if (!f.passwordGiven) throw new Forbidden('This room needs a password', 'password-required');
    if (!f.passwordAccepted) throw new Forbidden('Wrong room password', 'wrong-password');
  }
  if (!returning && f.room.locked) throw new Forbidden('The host has locked this meeting', 'room-locked');
  if (f.othersPresent >= f.room.maxParticipants) {
    throw new Conflict(`Room is full (${f.othersPresent}/${f.room.maxParticipants})`, 'room-full');
  }
  if (f.memberRole) return { status: 'joined', role: f.memberRole };
  if (f.room.lobby) return { status: 'lobby', role: 'lobby' };
  return { status: 'joined', role: 'member' };
}
