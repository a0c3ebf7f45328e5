/*
 * Main-thread time of one page from a Chromium performance trace, for benches that must not count their own
 * measuring. The bench marks the window with performance.mark (category blink.user_timing), which also names the
 * page's renderer main thread; inside it, the top-level tasks (category toplevel) of that thread are summed. Thread
 * time (tdur, CPU time on that thread) is used where the trace has it: on a loaded machine a task's wall time
 * also counts the time the thread waited for a core, which is the machine's business, not the page's.
 */

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
}

export interface MainThreadTime {
  /** Sum of the top-level tasks' thread (CPU) time in the window, milliseconds. */
  cpuMs: number;
  /** Sum of their wall time, milliseconds (includes waiting for a core). */
  wallMs: number;
  /** Window length between the two marks, milliseconds. */
  windowMs: number;
  tasks: number;
}

export const TRACE_CATEGORIES = ['toplevel', 'blink.user_timing', '__metadata'];

export function mainThreadTime(
  trace: { traceEvents: TraceEvent[] },
  startMark: string,
  endMark: string,
): MainThreadTime {
  const events = trace.traceEvents;
  const start = events.find((e) => e.name === startMark && e.cat.includes('blink.user_timing'));
  const end = events.find((e) => e.name === endMark && e.cat.includes('blink.user_timing'));
  if (!start || !end) throw new Error(`the trace lacks the marks ${startMark} / ${endMark}`);
  const tasks = events
    .filter(
      (e) =>
        e.ph === 'X' &&
        e.cat.split(',').includes('toplevel') &&
        e.pid === start.pid &&
        e.tid === start.tid &&
        e.ts >= start.ts &&
        e.ts + (e.dur ?? 0) <= end.ts,
    )
    .sort((a, b) => a.ts - b.ts);
  let cpuUs = 0;
  let wallUs = 0;
  let counted = 0;
  let coveredUntil = -Infinity;
  for (const task of tasks) {
    // A top-level task nested in another (a nested run loop) is already inside its parent's time.
    if (task.ts < coveredUntil) continue;
    coveredUntil = task.ts + (task.dur ?? 0);
    wallUs += task.dur ?? 0;
    cpuUs += task.tdur ?? task.dur ?? 0;
    counted++;
  }
  return { cpuMs: cpuUs / 1000, wallMs: wallUs / 1000, windowMs: (end.ts - start.ts) / 1000, tasks: counted };
}
