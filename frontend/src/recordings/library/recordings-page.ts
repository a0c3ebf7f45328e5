import './recordings.css';
import {
  RecordingServerMessage,
  type RecordingDetail,
  type RecordingSummary,
} from '../../../../functions/shared/protocol/recordings';
import { displayText, h, replaceChildren } from '../../ui/dom';
import { xhrPutPart, type PutPart } from '../upload/part-transfer';
import { createRecordingDetail, type DetailView } from './recording-detail';
import { createRecordingList } from './recording-list';
import { createRecoveryPanel, type RecoveryPanel } from '../capture/recovery-panel';
import { applyStatusMessage, isInProgress } from './recording-status';
import { RecordingsApi, type JsonHttp } from '../recordings-api';
import { createUploadPanel } from '../upload/upload-panel';

/** What the page needs from the app's session (H5's ApiClient satisfies it). */
export interface SessionPort extends JsonHttp {
  readonly signedIn: boolean;
  /** Whose interrupted meeting recordings this page may finish (the crash journal is per browser, not per user). */
  readonly currentUser?: { readonly sub?: string | undefined } | null;
  refresh(): Promise<boolean>;
  signInAsGuest(name: string): Promise<unknown>;
}

export interface RecordingsPageDeps {
  readonly api: SessionPort;
  /** Live status pushes (the user socket, live-status.ts); returns the unsubscribe function. */
  readonly subscribeLive?: (listener: (message: unknown) => void) => () => void;
  readonly putPart?: PutPart;
  readonly fetchText?: (url: string) => Promise<string>;
  /** Poll period while something is in progress. */
  readonly busyPollMs?: number;
  /** Poll period otherwise (a recording made in a meeting in another tab appears without a reload). */
  readonly idlePollMs?: number;
  readonly describeError?: (err: unknown) => string;
}

export interface RecordingsPage {
  destroy(): void;
}

const defaultFetchText = async (url: string) => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
};

const defaultDescribeError = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Mounts the Recordings page (`/recordings`) into `root`: upload, my recordings with live status, and the
 * selected recording's player, downloads, cue editor and export. Polls the HTTP API (the truth); live socket
 * messages only make changes show sooner. Stops by itself once `root` leaves the document.
 */
export function mountRecordingsPage(root: HTMLElement, deps: RecordingsPageDeps): RecordingsPage {
  document.title = 'Recordings · Connect Now';
  const api = new RecordingsApi(deps.api);
  const describeError = deps.describeError ?? defaultDescribeError;
  const fetchText = deps.fetchText ?? defaultFetchText;
  const busyPollMs = deps.busyPollMs ?? 2000;
  const idlePollMs = deps.idlePollMs ?? 15_000;
  let destroyed = false;
  let rows: RecordingSummary[] = [];
  let selectedId: string | null = new URLSearchParams(location.search).get('id');
  let detail: { id: string; shownAt: string; view: DetailView } | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => void) | undefined;
  let recovery: RecoveryPanel | undefined;

  const listError = h('p', { class: 'error', attrs: { role: 'alert', hidden: true, 'data-testid': 'list-error' } });
  const list = createRecordingList((id) => select(id));
  const detailSlot = h('div', { attrs: { 'data-testid': 'detail-slot' } });
  const content = h('div', { class: 'rec-page' });
  const shell = h(
    'main',
    { class: 'page rec-shell' },
    h(
      'header',
      { class: 'brand' },
      h('a', { class: 'logo', attrs: { href: '/' } }, 'Connect Now'),
      h('span', { class: 'rec-heading' }, 'Recordings'),
    ),
    content,
  );
  replaceChildren(root, shell);

  const stillMounted = () => !destroyed && shell.isConnected;

  function select(id: string) {
    selectedId = id;
    const url = new URL(location.href);
    url.searchParams.set('id', id);
    history.replaceState(history.state, '', url);
    list.render(rows, selectedId);
    // Opening the recording already shown must not throw away playback or unsaved cue edits.
    if (detail?.id !== id) void refreshDetail(true, true);
    else detailSlot.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }

  async function refreshList() {
    try {
      rows = await api.list();
      listError.hidden = true;
    } catch (err) {
      listError.textContent = `Could not load your recordings: ${describeError(err)}`;
      listError.hidden = false;
    }
    if (!stillMounted()) return;
    list.render(rows, selectedId);
    clearFinishedNotices();
  }

  /**
   * "Processing has started" (upload and crash-recovery panels) is true only until the recording is ready, failed
   * or deleted: then it must go, replaced by the line's `data-processing-done` words where it has them.
   */
  function clearFinishedNotices() {
    for (const line of root.querySelectorAll<HTMLElement>('[data-processing-id]')) {
      const r = rows.find((row) => row.id === line.dataset.processingId);
      if (!r || !isInProgress(r.status)) {
        line.textContent = line.dataset.processingDone ?? '';
        delete line.dataset.processingId;
        delete line.dataset.processingDone;
      }
    }
  }

  /** Re-renders the detail only when the recording changed, so playback and unsaved edits are not thrown away. */
  async function refreshDetail(force = false, reveal = false) {
    if (!selectedId) return;
    const id = selectedId;
    let r: RecordingDetail;
    try {
      r = await api.get(id);
    } catch (err) {
      replaceChildren(detailSlot, h('p', { class: 'error', attrs: { role: 'alert' } }, describeError(err)));
      return;
    }
    if (!stillMounted() || selectedId !== id) return;
    const fingerprint = `${r.status}|${r.percent}|${r.subtitleVersion}|${r.export?.status}|${r.export?.version}`;
    if (!force && detail && detail.id === id && detail.shownAt === fingerprint) return;
    const view = await createRecordingDetail(r, {
      api,
      fetchText,
      describeError,
      refresh: () => void refreshDetail(true),
      onRenamed: (renamed) => {
        rows = rows.map((row) => (row.id === renamed.id ? { ...row, title: renamed.title } : row));
        list.render(rows, selectedId);
      },
      onDeleted: (deletedId, title) => deleted(deletedId, title),
    });
    if (!stillMounted() || selectedId !== id) {
      view.dispose();
      return;
    }
    detail?.view.dispose();
    detail = { id, shownAt: fingerprint, view };
    replaceChildren(detailSlot, view.element);
    // Opened from the list: the detail sits below it, out of sight on most screens.
    if (reveal) detailSlot.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }

  /** The detail is gone with the recording: say so where it was, and drop `?id=` so a reload does not ask for it. */
  function deleted(id: string, title: string) {
    rows = rows.filter((row) => row.id !== id);
    if (selectedId === id) {
      selectedId = null;
      const url = new URL(location.href);
      url.searchParams.delete('id');
      history.replaceState(history.state, '', url);
    }
    detail?.view.dispose();
    detail = null;
    replaceChildren(
      detailSlot,
      h(
        'p',
        { class: 'rec-note', attrs: { role: 'status', 'data-testid': 'deleted-notice' } },
        `Deleted “${displayText(title, 120)}”.`,
      ),
    );
    list.render(rows, selectedId);
    void refreshList();
  }

  /** Something will change by itself soon: a recording in the pipeline or an export being rendered. */
  function busy(): boolean {
    if (rows.some((r) => isInProgress(r.status))) return true;
    const exportState = detailSlot.querySelector('[data-testid="export-status"]');
    return exportState !== null && !exportState.classList.contains('error');
  }

  function schedule() {
    if (!stillMounted()) return stop();
    clearTimeout(timer);
    timer = setTimeout(
      async () => {
        if (!stillMounted()) return stop();
        // A hidden tab does not need fresh status every two seconds.
        if (document.visibilityState !== 'hidden') {
          await refreshList();
          await refreshDetail();
        }
        schedule();
      },
      busy() ? busyPollMs : idlePollMs,
    );
  }

  function stop() {
    destroyed = true;
    clearTimeout(timer);
    unsubscribe?.();
    recovery?.dispose();
    detail?.view.dispose();
  }

  function onLive(raw: unknown) {
    const parsed = RecordingServerMessage.safeParse(raw);
    if (!parsed.success) return; // anything else the socket carries (errors) is not a status
    const message = parsed.data;
    rows = rows.map((r) => applyStatusMessage(r, message));
    list.render(rows, selectedId);
    clearFinishedNotices();
    if (message.recordingId === selectedId) void refreshDetail();
  }

  async function start() {
    if (!deps.api.signedIn && !(await deps.api.refresh().catch(() => false))) {
      await signInFirst();
      if (!stillMounted()) return;
    }
    const upload = createUploadPanel({
      api,
      putPart: deps.putPart ?? xhrPutPart,
      describeError,
      onChanged: () => {
        void refreshList().then(() => schedule());
      },
    });
    recovery = createRecoveryPanel({
      api,
      putPart: deps.putPart ?? xhrPutPart,
      ownerId: deps.api.currentUser?.sub ?? null,
      describeError,
      onChanged: () => {
        void refreshList().then(() => schedule());
      },
    });
    replaceChildren(content, upload, recovery.element, listError, list.element, detailSlot);
    unsubscribe = deps.subscribeLive?.(onLive);
    // A meeting recording whose tab crashed is finished from this browser's journal (crash-recovery.ts).
    void recovery.start().catch((err: unknown) => {
      console.warn('recovering interrupted recordings failed', err);
    });
    await refreshList();
    await refreshDetail(true);
    schedule();
  }

  /** Recordings belong to a user: a visitor without a session picks a guest name first. */
  function signInFirst(): Promise<void> {
    return new Promise((resolve) => {
      const name = h('input', {
        attrs: { name: 'name', required: true, maxlength: 40, autocomplete: 'name', 'data-testid': 'recordings-name' },
      });
      const error = h('p', { class: 'error', attrs: { role: 'alert', hidden: true } });
      const form = h(
        'form',
        {
          class: 'card',
          on: {
            submit: (event) => {
              event.preventDefault();
              error.hidden = true;
              deps.api.signInAsGuest(name.value.trim()).then(
                () => resolve(),
                (err: unknown) => {
                  error.textContent = describeError(err);
                  error.hidden = false;
                },
              );
            },
          },
        },
        h('h2', null, 'Sign in to see your recordings'),
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Your name'), name),
        error,
        h(
          'button',
          { class: 'primary', attrs: { type: 'submit', 'data-testid': 'recordings-sign-in' } },
          'Continue as guest',
        ),
      );
      replaceChildren(content, form);
    });
  }

  void start().catch((err: unknown) => {
    replaceChildren(content, h('p', { class: 'error', attrs: { role: 'alert' } }, describeError(err)));
  });
  return { destroy: stop };
}
