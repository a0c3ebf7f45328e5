import { boardKey, parseBoardKey, type BoardRef } from '../../../functions/room/whiteboard/board-ref';
import type { StoredBoard, WhiteboardStore } from '../../../functions/room/whiteboard/board-store';

/** The whiteboard snapshots in memory, by board key (the main board's is the room id); `saves` counts compactions. */
export class MemoryWhiteboardStore implements WhiteboardStore {
  readonly boards = new Map<string, StoredBoard>();
  saves = 0;

  async get(ref: BoardRef): Promise<StoredBoard | undefined> {
    const b = this.boards.get(boardKey(ref));
    return b ? { snapshot: b.snapshot.slice(), locked: b.locked } : undefined;
  }

  async save(ref: BoardRef, board: StoredBoard): Promise<void> {
    this.saves += 1;
    this.boards.set(boardKey(ref), { snapshot: board.snapshot.slice(), locked: board.locked });
  }

  async setLocked(ref: BoardRef, locked: boolean): Promise<void> {
    const b = this.boards.get(boardKey(ref));
    this.boards.set(boardKey(ref), { snapshot: b?.snapshot ?? new Uint8Array([0, 0]), locked });
  }

  async list(roomId: string) {
    return [...this.boards]
      .map(([key, b]) => ({ ref: parseBoardKey(key), b }))
      .filter(({ ref }) => ref?.roomId === roomId)
      .map(({ ref, b }) => ({ board: ref!.board, locked: b.locked, updatedAt: 0 }));
  }
}
