import { TERMINAL_RECORDING_STATUSES, type RecordingStatus } from '../shared/protocol/recordings';
import { formatDuration } from './media-tools';

/*
 * The life of a recording, in one place: which states exist, which moves are allowed, and how long a recording
 * may sit in each state before the sweep (reconcile.ts) retries it a few times and then fails it with a reason in words.
 * The promise to users: every recording ends `ready`, `no-speech` or `failed`, and nothing stays in between for good.
 */

export const TERMINAL_STATUSES = TERMINAL_RECORDING_STATUSES;
export type ActiveStatus = Exclude<RecordingStatus, (typeof TERMINAL_STATUSES)[number]>;
export const ACTIVE_STATUSES = [
  'uploading',
  'transcoding',
  'queued',
  'transcribing',
] as const satisfies readonly ActiveStatus[];

/** Allowed moves. `failed` is reachable from every active state; delete (not a state) works from every state. */
export const TRANSITIONS: Readonly<Record<RecordingStatus, readonly RecordingStatus[]>> = {
  uploading: ['transcoding', 'failed'],
  // A retried transcode stays transcoding; a source with no audio track ends no-speech (from queued).
  transcoding: ['transcoding', 'queued', 'failed'],
  queued: ['transcribing', 'queued', 'ready', 'no-speech', 'failed'],
  // The worker hands a job back (queued) or finishes it (ready, or no-speech when it heard nothing).
  transcribing: ['transcribing', 'queued', 'ready', 'no-speech', 'failed'],
  ready: [],
  'no-speech': [],
  failed: [],
};

export function canMove(from: RecordingStatus, to: RecordingStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(status: RecordingStatus): boolean {
  return (TERMINAL_STATUSES as readonly RecordingStatus[]).includes(status);
}

/**
 * How long (seconds since the recording's last change) each active state may last. Each budget sits above the
 * longest honest stay in that state, so the sweep never takes work that is still moving:
 * - uploading: a two-hour meeting uploads live while it runs, and a page may resume an upload the next day;
 * - transcoding: one Transcode run is capped at 15 min by Lambda, and S3's event invocation is retried twice;
 * - queued: the GPU fleet scales up from zero (minutes) and works through a backlog one job at a time;
 * - transcribing: the worker reports progress at least every few minutes, and each report resets the clock.
 */
export const STATE_BUDGET_SECONDS: Readonly<Record<ActiveStatus, number>> = {
  uploading: 24 * 3600,
  transcoding: 50 * 60,
  queued: 6 * 3600,
  transcribing: 30 * 60,
};

/** How many times the sweep retries a recording in one state before it fails it. */
export const SWEEP_RETRIES_PER_STATE = 2;

/** What the sweep does with an overdue recording in each state. */
export type SweepAction = 'retry' | 'fail';

/** Uploads cannot be retried by the server (the bytes are on the user's machine); the other states can. */
export function sweepAction(status: ActiveStatus, retriesInThisState: number): SweepAction {
  if (status === 'uploading') return 'fail';
  return retriesInThisState < SWEEP_RETRIES_PER_STATE ? 'retry' : 'fail';
}

/** The reason the user reads when the sweep gives up on a recording. */
export function overdueReason(status: ActiveStatus): string {
  const budget = formatBudget(STATE_BUDGET_SECONDS[status]);
  const tries = `tried ${SWEEP_RETRIES_PER_STATE + 1} times`;
  switch (status) {
    case 'uploading':
      return `The upload was not finished within ${budget}; upload the file again`;
    case 'transcoding':
      return `Converting the recording did not finish (${tries}, ${budget} each); upload it again or try a shorter file`;
    case 'queued':
      return `No transcription worker took the recording within ${budget} (${tries}); delete it and upload it again`;
    case 'transcribing':
      return `Transcription stopped making progress for ${budget} (${tries}); delete it and upload it again`;
  }
}

function formatBudget(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return seconds % 60 === 0 ? `${seconds / 60} min` : formatDuration(seconds);
}
