/*
 * Defence in depth for media: a page answers a call only from a peer its current roster shows (and a screen call
 * only from a peer the roster shows sharing), so whatever the signaling server lets through, nobody outside the
 * roster gets a byte of our camera or microphone. The server sends `peer.joined` and the newcomer's OFFER on
 * different sockets, so an OFFER can arrive a moment before the roster names its caller: an unknown call is held
 * (unanswered, no media) until the roster admits it, and closed when the hold runs out.
 */
import type { StreamKind } from './mesh';

/** What the gate needs of a held call: to close it. */
export interface GatedCall {
  readonly peer: string;
  close(): void;
}

export interface CallGateOptions {
  /** How long an unknown caller may wait for the roster. */
  holdMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** Long enough for a `peer.joined` or a `screen: true` roster update to arrive behind the OFFER. */
export const CALL_HOLD_MS = 10_000;

interface Held {
  call: GatedCall;
  kind: StreamKind;
  accept: () => void;
  timer: unknown;
}

export class CallGate {
  private readonly held = new Set<Held>();
  private readonly holdMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(
    private readonly admits: (peerId: string, kind: StreamKind) => boolean,
    options: CallGateOptions = {},
  ) {
    this.holdMs = options.holdMs ?? CALL_HOLD_MS;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  /** `accept` runs now if the roster admits the caller, later if it comes to, never otherwise (the call is closed). */
  offer(call: GatedCall, kind: StreamKind, accept: () => void): void {
    if (this.admits(call.peer, kind)) {
      accept();
      return;
    }
    const entry: Held = { call, kind, accept, timer: undefined };
    entry.timer = this.setTimer(() => {
      if (!this.held.delete(entry)) return;
      call.close();
    }, this.holdMs);
    this.held.add(entry);
  }

  /** The roster changed: answer the held calls it now admits. */
  rosterChanged(): void {
    for (const entry of [...this.held]) {
      if (!this.admits(entry.call.peer, entry.kind)) continue;
      this.held.delete(entry);
      this.clearTimer(entry.timer);
      entry.accept();
    }
  }

  /** Closes every held call (the meeting ended for us). */
  closeAll(): void {
    for (const entry of this.held) {
      this.clearTimer(entry.timer);
      entry.call.close();
    }
    this.held.clear();
  }

  get waiting(): number {
    return this.held.size;
  }
}
