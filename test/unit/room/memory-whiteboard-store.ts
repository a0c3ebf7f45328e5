import type { StoredBoard, WhiteboardStore } from '../../../functions/room/whiteboard/board-store';

/** The whiteboard snapshots in memory; `saves` counts compactions that reached the store. */
export class MemoryWhiteboardStore implements WhiteboardStore {
  readonly boards = new Map<string, StoredBoard>();
  saves = 0;

  async get(roomId: string): Promise<StoredBoard | undefined> {
    const b = this.boards.get(roomId);
    return b ? { snapshot: b.snapshot.slice(), locked: b.locked } : undefined;
  }

  async save(roomId: string, board: StoredBoard): Promise<void> {
    this.saves += 1;
    this.boards.set(roomId, { snapshot: board.snapshot.slice(), locked: board.locked });
  }

  async setLocked(roomId: string, locked: boolean): Promise<void> {
    const b = this.boards.get(roomId);
    this.boards.set(roomId, { snapshot: b?.snapshot ?? new Uint8Array([0, 0]), locked });
  }
}
