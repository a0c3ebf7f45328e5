import type { RoomSettings } from '../shared/protocol/room';
import type { RoomRecord } from './room-store';

/** What participants may know about their room (never the password hash or the creator's identity). */
export function roomSettings(room: RoomRecord): RoomSettings {
  return {
    id: room.id,
    name: room.name,
    locked: room.locked,
    lobby: room.lobby,
    needsPassword: room.passwordHash !== null,
    maxParticipants: room.maxParticipants,
  };
}
