import {
  ACTIVE_STATUSES,
  STATE_BUDGET_SECONDS,
  TRANSITIONS,
  canMove,
  isTerminal,
  overdueReason,
  sweepAction,
} from '../../../functions/recordings/lifecycle';
import { RECORDING_STATUSES } from '../../../functions/shared/protocol/recordings';

describe('recording lifecycle', () => {
  it('gives every status a place: active ones a budget and a way to fail, terminal ones no way out', () => {
    for (const status of RECORDING_STATUSES) {
      if (isTerminal(status)) expect(TRANSITIONS[status]).toEqual([]);
      else {
        expect(STATE_BUDGET_SECONDS[status as (typeof ACTIVE_STATUSES)[number]]).toBeGreaterThan(0);
        expect(canMove(status, 'failed')).toBe(true);
      }
    }
    expect(canMove('ready', 'transcoding')).toBe(false);
    expect(canMove('uploading', 'ready')).toBe(false);
  });

  it('retries a server-side state a bounded number of times, never an upload', () => {
    expect(sweepAction('uploading', 0)).toBe('fail');
    expect([0, 1, 2, 3].map((n) => sweepAction('transcoding', n))).toEqual(['retry', 'retry', 'fail', 'fail']);
  });

  it('explains each give-up in words the owner can act on', () => {
    expect(overdueReason('uploading')).toBe('The upload was not finished within 24 hours; upload the file again');
    expect(overdueReason('queued')).toMatch(/^No transcription worker took the recording within 6 hours/);
    for (const status of ACTIVE_STATUSES) expect(overdueReason(status)).not.toMatch(/undefined|NaN/);
  });
});
