import type { Role } from '../../../functions/shared/protocol/room';
import type { ArchivedChat, Identity, NewRoom, RoomRecord, RoomStore } from '../../../functions/room/room-store';

/** An in-memory RoomStore for unit tests of the domain (the SQL adapter is tested against PostgreSQL). */
export class MemoryRoomStore implements RoomStore {
  rooms = new Map<string, RoomRecord>();
  members = new Map<string, { name: string; role: Role }>();
  removals = new Map<string, { removedBy: string; reason: string }>();
  chat: ArchivedChat[] = [];
  /** users.avatar_key by user id. */
  avatars = new Map<string, string>();

  private key = (roomId: string, sub: string) => `${roomId}|${sub}`;

  async createRoom(room: NewRoom, host: Identity) {
    this.rooms.set(room.id, { ...room, createdBy: host.sub, locked: false, ended: false });
    this.members.set(this.key(room.id, host.sub), { name: host.name, role: 'host' });
  }
  async getRoom(roomId: string) {
    const r = this.rooms.get(roomId);
    return r ? { ...r } : undefined;
  }
  async setLocked(roomId: string, locked: boolean) {
    const r = this.rooms.get(roomId);
    if (r) r.locked = locked;
  }
  async endRoom(roomId: string) {
    const r = this.rooms.get(roomId);
    if (r) r.ended = true;
  }
  async getRole(roomId: string, sub: string) {
    return this.members.get(this.key(roomId, sub))?.role;
  }
  async addMember(roomId: string, who: Identity, role: Role) {
    if (!this.members.has(this.key(roomId, who.sub)))
      this.members.set(this.key(roomId, who.sub), { name: who.name, role });
  }
  async setRole(roomId: string, sub: string, role: Exclude<Role, 'host'>) {
    const m = this.members.get(this.key(roomId, sub));
    if (m && m.role !== 'host') m.role = role;
  }
  async transferHost(roomId: string, from: string, to: Identity) {
    const old = this.members.get(this.key(roomId, from));
    if (old?.role === 'host') old.role = 'member';
    const next = this.members.get(this.key(roomId, to.sub));
    if (next) next.role = 'host';
    else this.members.set(this.key(roomId, to.sub), { name: to.name, role: 'host' });
  }
  async isRemoved(roomId: string, sub: string) {
    return this.removals.has(this.key(roomId, sub));
  }
  async recordRemoval(roomId: string, sub: string, removedBy: string, reason: string) {
    this.removals.set(this.key(roomId, sub), { removedBy, reason });
  }
  async archiveChat(message: ArchivedChat) {
    this.chat.push(message);
  }
  async chatArchive(roomId: string, limit: number) {
    return this.chat.filter((c) => c.roomId === roomId).slice(0, limit);
  }
  async avatarKeyOf(sub: string) {
    return this.avatars.get(sub) ?? null;
  }
}
