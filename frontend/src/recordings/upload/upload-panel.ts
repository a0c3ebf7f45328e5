import { MAX_UPLOAD_BYTES, type RecordingSummary } from '../../../../functions/shared/protocol/recordings';
import { h, replaceChildren } from '../../ui/dom';
import { UploadInterruptedError, uploadMultipart } from './multipart-upload';
import { PartTransferError, type PutPart } from './part-transfer';
import type { RecordingsApi } from '../recordings-api';
import { acceptAttribute, preflightUpload } from './upload-preflight';
import { describeProgress, formatBytes } from './upload-progress';
import { forgetPendingUpload, findPendingUpload, rememberPendingUpload } from './pending-uploads';

export interface UploadPanelDeps {
  readonly api: RecordingsApi;
  readonly putPart: PutPart;
  /** Called whenever the list should be fetched again (a recording was created, completed or resumed). */
  readonly onChanged: (recording?: RecordingSummary) => void;
  readonly describeError: (err: unknown) => string;
}

/** File picker + progress bar with speed and time left; resumes an interrupted upload of the same file. */
export function createUploadPanel(deps: UploadPanelDeps): HTMLElement {
  const input = h('input', {
    attrs: {
      type: 'file',
      accept: acceptAttribute(),
      'data-testid': 'upload-file',
      'aria-label': 'Video or audio file',
    },
  });
  const button = h('button', { class: 'primary', attrs: { type: 'submit', 'data-testid': 'upload-start' } }, 'Upload');
  const cancel = h('button', { attrs: { type: 'button', hidden: true, 'data-testid': 'upload-cancel' } }, 'Cancel');
  const bar = h('progress', { attrs: { max: 1, value: 0, hidden: true, 'data-testid': 'upload-progress' } });
  const line = h('p', {
    class: 'rec-progress-line',
    attrs: { 'data-testid': 'upload-progress-text', 'aria-live': 'polite' },
  });
  const message = h('p', { class: 'error', attrs: { role: 'alert', hidden: true, 'data-testid': 'upload-error' } });
  let controller: AbortController | null = null;

  const showError = (text: string | null) => {
    message.textContent = text ?? '';
    message.hidden = !text;
    if (text) {
      // An error ends what the line was saying ("Preparing…", a percentage): it must not read as still going.
      line.textContent = '';
      bar.hidden = true;
    }
  };
  const busy = (on: boolean) => {
    button.disabled = on;
    input.disabled = on;
    cancel.hidden = !on;
  };

  const start = async () => {
    showError(null);
    const file = input.files?.[0];
    if (!file) {
      showError('Choose a video or audio file first.');
      return;
    }
    const check = preflightUpload(file);
    if (!check.ok) {
      // Refused here, before a single byte goes out.
      showError(check.reason);
      return;
    }
    busy(true);
    bar.hidden = false;
    bar.value = 0;
    line.textContent = `Preparing ${file.name} (${formatBytes(file.size)})…`;
    controller = new AbortController();
    let recordingId: string | null = null;
    try {
      const pending = findPendingUpload(file);
      let plan: { partSize: number; partCount: number; parts: { partNumber: number; url: string }[] };
      let resume = false;
      if (pending) {
        recordingId = pending.recordingId;
        resume = true;
        plan = { partSize: pending.partSize, partCount: pending.partCount, parts: [] };
        line.textContent = `Resuming ${file.name}…`;
      } else {
        const created = await deps.api.create({
          fileName: file.name,
          contentType: check.contentType,
          sizeBytes: file.size,
        });
        recordingId = created.recording.id;
        plan = created.upload;
        rememberPendingUpload(file, {
          recordingId,
          partSize: created.upload.partSize,
          partCount: created.upload.partCount,
        });
        deps.onChanged(created.recording);
      }
      const done = await uploadMultipart({
        api: deps.api,
        putPart: deps.putPart,
        recordingId,
        file,
        partSize: plan.partSize,
        partCount: plan.partCount,
        initialUrls: plan.parts,
        resume,
        signal: controller.signal,
        onProgress: (p) => {
          bar.value = p.fraction;
          line.textContent = describeProgress(p);
        },
        onRetry: (n) => {
          line.textContent = `Connection lost (${n.reason}). Retrying in ${Math.round(n.delayMs / 1000)} s…`;
        },
      });
      forgetPendingUpload(file);
      line.textContent = `Uploaded ${file.name}. Processing has started.`;
      // The page clears this once the recording leaves the pipeline (recordings-page.ts, clearFinishedNotices).
      line.dataset.processingId = done.id;
      input.value = '';
      deps.onChanged(done);
    } catch (err) {
      if (err instanceof PartTransferError && err.kind === 'aborted') {
        if (recordingId) await deps.api.abort(recordingId).catch(() => undefined);
        forgetPendingUpload(file);
        line.textContent = 'Upload cancelled.';
        bar.hidden = true;
      } else if (err instanceof UploadInterruptedError) {
        showError(`${err.message} Pick the same file and press Upload to continue where it stopped.`);
      } else {
        // A pending upload the server no longer knows (finished, aborted, expired) must not block a fresh start.
        forgetPendingUpload(file);
        showError(deps.describeError(err));
      }
      deps.onChanged();
    } finally {
      controller = null;
      busy(false);
    }
  };

  cancel.addEventListener('click', () => controller?.abort());
  const form = h(
    'form',
    {
      class: 'card rec-upload',
      on: {
        submit: (event) => {
          event.preventDefault();
          void start();
        },
      },
    },
    h('h2', null, 'Upload a recording'),
    h(
      'p',
      { class: 'rec-note' },
      `Video or audio, up to ${formatBytes(MAX_UPLOAD_BYTES)}. Subtitles are made automatically.`,
    ),
    h('div', { class: 'rec-actions' }, input, button, cancel),
    bar,
    line,
    message,
  );
  input.addEventListener('change', () => {
    showError(null);
    const file = input.files?.[0];
    if (!file) return;
    replaceChildren(
      line,
      findPendingUpload(file) ? 'An earlier upload of this file stopped; Upload continues it.' : '',
    );
    const check = preflightUpload(file);
    if (!check.ok) showError(check.reason);
  });
  return form;
}
