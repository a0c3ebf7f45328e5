import { h, replaceChildren } from '../../ui/dom';
import {
  browserRecordingLock,
  discardRecording,
  recoverRecording,
  type RecoveryDeps,
  type RecoveryOutcome,
} from './crash-recovery';
import type { LiveUploadApi } from './live-upload';
import type { PutPart } from '../upload/part-transfer';
import { openRecordingJournal, type JournalEntry, type RecordingJournal } from './recording-journal';
import { formatBytes } from '../upload/upload-progress';

export interface RecoveryPanelDeps {
  readonly api: LiveUploadApi;
  readonly putPart: PutPart;
  /** The signed-in user: only their interrupted recordings are picked up. */
  readonly ownerId: string | null;
  readonly describeError: (err: unknown) => string;
  /** A recording was recovered or discarded: the list should be fetched again. */
  readonly onChanged: () => void;
  readonly openJournal?: () => Promise<RecordingJournal>;
  readonly withLock?: RecoveryDeps['withLock'];
}

export interface RecoveryPanel {
  readonly element: HTMLElement;
  /** Looks for interrupted recordings and finishes each one, in turn. */
  start(): Promise<void>;
  dispose(): void;
}

/**
 * "Interrupted recordings" on the Recordings page: a meeting recording whose tab crashed or closed is finished here
 * from the crash journal (crash-recovery.ts), with its status on screen and a Discard button. Hidden when there is
 * nothing to recover.
 */
export function createRecoveryPanel(deps: RecoveryPanelDeps): RecoveryPanel {
  const items = h('ul', { class: 'rec-list', attrs: { 'data-testid': 'recovery-list' } });
  const element = h(
    'section',
    { class: 'card', attrs: { hidden: true, 'data-testid': 'recovery-panel' } },
    h('h2', null, 'Interrupted recordings'),
    h(
      'p',
      { class: 'rec-note' },
      'A meeting recording stopped without being saved. What this browser kept is being uploaded now.',
    ),
    items,
  );
  const withLock = deps.withLock ?? browserRecordingLock().withLock;
  let disposed = false;
  const controllers = new Set<AbortController>();

  function row(entry: JournalEntry) {
    const status = h('span', { attrs: { role: 'status', 'data-testid': 'recovery-status' } }, 'Checking…');
    const discard = h(
      'button',
      { class: 'small', attrs: { type: 'button', 'data-testid': 'recovery-discard' } },
      'Discard',
    );
    const retry = h(
      'button',
      { class: 'small', attrs: { type: 'button', hidden: true, 'data-testid': 'recovery-retry' } },
      'Try again',
    );
    const started = new Date(entry.startedAt).toLocaleString();
    const li = h(
      'li',
      { class: 'rec-row', attrs: { 'data-recording-id': entry.recordingId } },
      h('div', { class: 'rec-main' }, h('strong', null, entry.title ?? `Meeting recording`), h('small', null, started)),
      h('div', { class: 'rec-status' }, status, h('span', null, retry, discard)),
    );
    return { li, status, discard, retry };
  }

  async function recoverOne(journal: RecordingJournal, entry: JournalEntry) {
    const view = row(entry);
    items.append(view.li);
    element.hidden = false;
    let running: Promise<unknown> = Promise.resolve();
    let controller = new AbortController();

    const finished = (text: string) => {
      view.status.textContent = text;
      view.discard.hidden = true;
      view.retry.hidden = true;
    };
    const run = async () => {
      controller = new AbortController();
      controllers.add(controller);
      view.retry.hidden = true;
      view.status.textContent = 'Finishing the upload…';
      let outcome: RecoveryOutcome;
      try {
        outcome = await recoverRecording(
          {
            journal,
            api: deps.api,
            putPart: deps.putPart,
            withLock,
            signal: controller.signal,
            onProgress: ({ sentBytes, totalToSend }) => {
              view.status.textContent = `Uploading what was not sent yet: ${formatBytes(sentBytes)} of ${formatBytes(totalToSend)}`;
            },
          },
          entry,
        );
      } catch (err) {
        if (controller.signal.aborted || disposed) return;
        view.status.textContent = `Could not finish the upload: ${deps.describeError(err)}`;
        view.retry.hidden = false;
        return;
      } finally {
        controllers.delete(controller);
      }
      switch (outcome.kind) {
        case 'recovered':
          finished(
            outcome.droppedBytes > 0
              ? `Recovered (the last ${formatBytes(outcome.droppedBytes)} could not be read). Processing has started.`
              : 'Recovered. Processing has started.',
          );
          // The page swaps this for words that stay true once the recording leaves the pipeline (recordings-page.ts).
          view.status.dataset.processingId = entry.recordingId;
          view.status.dataset.processingDone = 'Recovered: it is in your recordings.';
          deps.onChanged();
          return;
        case 'empty':
          finished('Nothing had been recorded; it was removed.');
          deps.onChanged();
          return;
        case 'gone':
          finished(`Nothing to recover: ${outcome.reason}`);
          return;
        case 'busy':
          // Still recording in another tab (it holds the recording's lock): that tab saves it.
          finished('Still being recorded in another tab.');
          return;
      }
    };

    view.retry.addEventListener('click', () => {
      running = run();
    });
    view.discard.addEventListener('click', () => {
      view.discard.disabled = true;
      controller.abort();
      void running
        .catch(() => undefined)
        .then(() => discardRecording({ journal, api: deps.api, withLock }, entry))
        .then(
          (result) => {
            if (result === 'busy') {
              view.discard.disabled = false;
              return;
            }
            // The recovery may have completed the upload just before the click reached it.
            finished(result === 'discarded' ? 'Discarded.' : 'Already recovered: it is in your recordings.');
            deps.onChanged();
          },
          (err: unknown) => {
            view.discard.disabled = false;
            view.status.textContent = `Could not discard it: ${deps.describeError(err)}`;
          },
        );
    });
    running = run();
    await running;
  }

  return {
    element,
    async start() {
      const journal = await (deps.openJournal ?? openRecordingJournal)().catch(() => null);
      if (!journal || disposed) return;
      const entries = (await journal.list())
        .filter((e) => deps.ownerId === null || e.ownerId === null || e.ownerId === deps.ownerId)
        .sort((a, b) => a.startedAt - b.startedAt);
      replaceChildren(items);
      for (const entry of entries) {
        if (disposed) return;
        await recoverOne(journal, entry);
      }
    },
    dispose() {
      disposed = true;
      for (const c of controllers) c.abort();
    },
  };
}
