/**
 * Whiteboard sync messages on a JSON socket with a frame limit: base64 both ways, split into numbered parts when one
 * message is larger than a part, and put back together by the receiver. Pure (no Node or browser imports): the page
 * and the Lambdas both use it. The server keeps parts in Redis between invocations (functions/room/whiteboard/), the
 * page in a `Reassembler`.
 */
import type { Chunk } from './protocol/whiteboard';

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // String.fromCharCode takes arguments: 32 K at a time stays far below any engine's argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface Part {
  message: string;
  chunk?: Chunk;
}

/** One part when it fits (no `chunk`), else `ceil(n / partBytes)` parts sharing `id`. */
export function splitMessage(bytes: Uint8Array, partBytes: number, id: string): Part[] {
  if (bytes.length <= partBytes) return [{ message: toBase64(bytes) }];
  const count = Math.ceil(bytes.length / partBytes);
  const parts: Part[] = [];
  for (let index = 0; index < count; index += 1) {
    const slice = bytes.subarray(index * partBytes, (index + 1) * partBytes);
    parts.push({ message: toBase64(slice), chunk: { id, index, count } });
  }
  return parts;
}

/** Joins parts given in index order. */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Collects parts of messages in flight (several may interleave, each with its own id); a message is handed back once
 * all its parts arrived. Messages that never complete are dropped after `maxPending` newer ones started, so a lost
 * part cannot grow memory without bound.
 */
export class Reassembler {
  private readonly pending = new Map<string, (Uint8Array | undefined)[]>();

  constructor(
    private readonly maxBytes: number,
    private readonly maxPending = 8,
  ) {}

  /** The whole message when `part` completes it (or needs no others); undefined while parts are missing. */
  accept(part: Part): Uint8Array | undefined {
    const bytes = fromBase64(part.message);
    if (!part.chunk) return bytes;
    const { id, index, count } = part.chunk;
    if (index >= count) throw new RangeError(`part ${index} of ${count}`);
    let slots = this.pending.get(id);
    if (!slots || slots.length !== count) {
      slots = new Array<Uint8Array | undefined>(count).fill(undefined);
      this.pending.set(id, slots);
      while (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value!);
    }
    slots[index] = bytes;
    if (slots.some((s) => s === undefined)) return undefined;
    this.pending.delete(id);
    const whole = joinParts(slots as Uint8Array[]);
    if (whole.length > this.maxBytes) throw new RangeError(`message of ${whole.length} bytes`);
    return whole;
  }
}
