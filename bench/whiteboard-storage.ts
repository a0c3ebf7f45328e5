/*
 * npm run bench:whiteboard-storage [-- --runs=7]
 *
 * What a stored board costs, without the network: boards of hand-drawn 24-point pen strokes by 20 pages
 * (test/support/board-strokes.ts, the page's own thinning and snapping), and for each:
 * - its snapshot's size on the page's grid (eighths of a world unit), against the same strokes on the grid the page
 *   used before (tenths), and whether it fits WHITEBOARD_LIMITS.boardBytes;
 * - one compaction of that snapshot plus a 200-entry live log (COMPACT_AFTER.entries), as the room handler does it
 *   (compactBoard: each update applied to a document, then encoded), against the former way (Y.mergeUpdates of all,
 *   then applied and encoded). Median of R runs, the two alternating, in this one process;
 * - the server's answer to an empty page's sync step 1 (a late joiner: the board with its log, the part the page
 *   lacks, the board's state vector), from a document as answerStep1 in whiteboard-actions.ts does it, against the
 *   former way from merged updates.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { COMPACT_AFTER } from '../functions/room/whiteboard/whiteboard-actions';
import { EMPTY_UPDATE, boardDocument, compactBoard, step1Answer } from '../functions/room/whiteboard/sync-adapter';
import { WHITEBOARD_LIMITS } from '../functions/shared/protocol/whiteboard';
import { boardOfStrokes, strokeLog } from '../test/support/board-strokes';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 7);
const SIZES = [4000, 8700, 13_000];

/** The compaction before: the whole board merged as updates first, then decoded again into the document. */
function mergeThenApply(updates: Uint8Array[]): Uint8Array {
  const doc = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(doc, Y.mergeUpdates(updates));
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** The server's work to answer a page's step 1, with the handler's own functions (answerStep1 in whiteboard-actions.ts). */
function answerStep1(snapshot: Uint8Array, log: Uint8Array[], stateVector: Uint8Array): void {
  const doc = boardDocument([snapshot, ...log]);
  step1Answer(doc, stateVector);
  doc.destroy();
}

/** The same before: the board merged as updates, then diffed and read for its state vector. */
function answerStep1Merged(snapshot: Uint8Array, log: Uint8Array[], stateVector: Uint8Array): void {
  const state = Y.mergeUpdates([snapshot, ...log]);
  Y.diffUpdate(state, stateVector);
  Y.encodeStateVectorFromUpdate(state);
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const log = strokeLog(COMPACT_AFTER.entries);
  const lines = [
    '',
    `Whiteboard storage: boards of hand-drawn 24-point pen strokes by 20 pages; board limit ${mib(WHITEBOARD_LIMITS.boardBytes)}; compaction of the snapshot + ${log.length} log entries, median of ${RUNS}`,
    '| strokes | snapshot (page grid) | reference: former grid (tenths) | ratio | fits the limit (now / former) | compaction now | reference: merge, then apply | ratio | step-1 answer to a late joiner | reference: from merged updates | ratio |',
    '|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const strokes of SIZES) {
    const snapshot = boardOfStrokes(strokes);
    const tenths = boardOfStrokes(strokes, 20, 'tenths');
    const now: number[] = [];
    const before: number[] = [];
    const joinNow: number[] = [];
    const joinMerged: number[] = [];
    const empty = Y.encodeStateVectorFromUpdate(EMPTY_UPDATE as Uint8Array);
    let same = true;
    for (let r = 0; r < RUNS; r += 1) {
      let t0 = performance.now();
      const a = compactBoard([snapshot, ...log]);
      now.push(performance.now() - t0);
      t0 = performance.now();
      const b = mergeThenApply([snapshot, ...log]);
      before.push(performance.now() - t0);
      same &&= Buffer.from(a).equals(Buffer.from(b));
      t0 = performance.now();
      answerStep1(snapshot, log, empty);
      joinNow.push(performance.now() - t0);
      t0 = performance.now();
      answerStep1Merged(snapshot, log, empty);
      joinMerged.push(performance.now() - t0);
    }
    if (!same) throw new Error('the two compactions disagree');
    const fits = (n: number) => (n < WHITEBOARD_LIMITS.boardBytes ? 'yes' : 'no');
    lines.push(
      `| ${strokes} | ${mib(snapshot.length)} (${Math.round(snapshot.length / strokes)} B/stroke) | ${mib(tenths.length)} (${Math.round(tenths.length / strokes)} B/stroke) | ${(snapshot.length / tenths.length).toFixed(2)}× | ${fits(snapshot.length)} / ${fits(tenths.length)} | ${median(now).toFixed(0)} ms | ${median(before).toFixed(0)} ms | ${(median(now) / median(before)).toFixed(2)}× | ${median(joinNow).toFixed(0)} ms | ${median(joinMerged).toFixed(0)} ms | ${(median(joinNow) / median(joinMerged)).toFixed(2)}× |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
