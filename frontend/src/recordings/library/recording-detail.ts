import {
  downloadBaseName,
  type RecordingDetail,
  type RecordingSummary,
} from '../../../../functions/shared/protocol/recordings';
import { displayText, h } from '../../ui/dom';
import { createCueEditor } from './cue-editor';
import { parseVtt } from './cue-editing';
import type { RecordingsApi } from '../recordings-api';
import { createRecordingManage } from './recording-manage';
import { describeStatus, describeTranscriptEngine } from './recording-status';

export interface DetailDeps {
  readonly api: RecordingsApi;
  readonly fetchText: (url: string) => Promise<string>;
  readonly describeError: (err: unknown) => string;
  /** Asks the page to fetch this recording again (after a save or an export request). */
  readonly refresh: () => void;
  /** The owner renamed it (the list shows the new title) or deleted it (the page lets the detail go). */
  readonly onRenamed: (recording: RecordingSummary) => void;
  readonly onDeleted: (id: string, title: string) => void;
}

export interface DetailView {
  readonly element: HTMLElement;
  /** Revokes the object URLs this view made. */
  dispose(): void;
}

/**
 * The player with subtitles, the downloads, the cue editor and the burned-in export of one recording.
 * The VTT is fetched and handed to the <track> as a blob: URL, so subtitles show without the video itself needing
 * CORS (a cross-origin <track> needs `crossorigin` on the <video>, which would make the MP4 need CORS too).
 */
export async function createRecordingDetail(r: RecordingDetail, deps: DetailDeps): Promise<DetailView> {
  const objectUrls: string[] = [];
  const status = describeStatus(r);
  const title = h('h2', { attrs: { 'data-testid': 'detail-title' } }, displayText(r.title, 120) || r.fileName);
  const parts: (HTMLElement | null)[] = [title];

  if (r.status === 'failed') {
    parts.push(
      h(
        'p',
        { class: 'error', attrs: { role: 'alert', 'data-testid': 'detail-failure' } },
        `Failed: ${status.detail ?? ''}`,
      ),
    );
  } else if (r.status !== 'ready') {
    parts.push(h('p', { class: 'rec-note' }, `${status.label}${status.detail ? ` — ${status.detail}` : ''}`));
  }

  let vttText: string | null = null;
  if (r.subtitles) {
    try {
      vttText = await deps.fetchText(r.subtitles.vtt);
    } catch (err) {
      parts.push(
        h(
          'p',
          { class: 'error', attrs: { role: 'alert' } },
          `Subtitles could not be loaded: ${deps.describeError(err)}`,
        ),
      );
    }
  }

  if (r.media) {
    const video = h('video', {
      class: 'rec-player',
      attrs: {
        controls: true,
        preload: 'metadata',
        src: r.media.mp4,
        poster: r.media.poster ?? undefined,
        'data-testid': 'player',
      },
    });
    if (vttText !== null && r.subtitles) {
      const trackUrl = URL.createObjectURL(new Blob([vttText], { type: 'text/vtt' }));
      objectUrls.push(trackUrl);
      const lang = r.detectedLanguage ?? (r.language === 'auto' ? 'en' : r.language);
      video.append(
        h('track', {
          attrs: {
            kind: 'subtitles',
            src: trackUrl,
            srclang: r.translate ? 'en' : lang,
            label: `Subtitles (version ${r.subtitles.version})`,
            default: true,
            'data-testid': 'player-track',
          },
        }),
      );
    }
    parts.push(video);
  }

  if (r.subtitles && vttText !== null) {
    const base = downloadBaseName(r.fileName);
    const vttUrl = URL.createObjectURL(new Blob([vttText], { type: 'text/vtt' }));
    objectUrls.push(vttUrl);
    parts.push(
      h(
        'p',
        { class: 'rec-actions rec-downloads' },
        h(
          'a',
          { attrs: { href: vttUrl, download: `${base}.v${r.subtitles.version}.vtt`, 'data-testid': 'download-vtt' } },
          'Download VTT',
        ),
        h('a', { attrs: { href: r.subtitles.srt, 'data-testid': 'download-srt' } }, 'Download SRT'),
        h(
          'small',
          { class: 'rec-note', attrs: { 'data-testid': 'subtitle-version' } },
          `Version ${r.subtitles.version} of ${r.versions.length}`,
        ),
      ),
    );
    const source = describeTranscriptEngine(r.transcriptEngine);
    if (source) {
      parts.push(h('p', { class: 'rec-note', attrs: { 'data-testid': 'transcript-engine' } }, `Transcript: ${source}`));
    }
    const cues = parseVtt(vttText);
    if (r.status === 'ready' && cues.length > 0) {
      const baseVersion = r.subtitles.version;
      parts.push(
        createCueEditor({
          cues,
          limits: r.durationSeconds === null ? {} : { durationSeconds: r.durationSeconds },
          describeError: deps.describeError,
          save: async (edited) => {
            const version = await deps.api.saveSubtitles(r.id, baseVersion, edited);
            deps.refresh();
            return version;
          },
        }),
      );
    }
  }

  if (r.status === 'ready' && r.subtitles) parts.push(exportSection(r, deps));
  parts.push(
    createRecordingManage(r, {
      rename: (id, newTitle) => deps.api.rename(id, newTitle),
      remove: (id) => deps.api.remove(id),
      describeError: deps.describeError,
      onRenamed: (renamed) => {
        title.textContent = displayText(renamed.title, 120) || r.fileName;
        deps.onRenamed(renamed);
      },
      onDeleted: deps.onDeleted,
    }),
  );

  return {
    element: h(
      'section',
      { class: 'card rec-detail', attrs: { 'data-testid': 'recording-detail', 'data-recording-id': r.id } },
      ...parts,
    ),
    dispose() {
      for (const url of objectUrls) URL.revokeObjectURL(url);
    },
  };
}

function exportSection(r: RecordingDetail, deps: DetailDeps): HTMLElement {
  const e = r.export;
  const busy = e !== null && (e.status === 'queued' || e.status === 'rendering');
  const message = h('p', { class: 'error', attrs: { role: 'alert', hidden: true, 'data-testid': 'export-error' } });
  const button = h(
    'button',
    { attrs: { type: 'button', disabled: busy, 'data-testid': 'export-start' } },
    e?.status === 'ready' ? 'Export again with the latest subtitles' : 'Export video with burned-in subtitles',
  );
  button.addEventListener('click', () => {
    button.disabled = true;
    message.hidden = true;
    deps.api.requestExport(r.id).then(
      () => deps.refresh(),
      (err: unknown) => {
        button.disabled = false;
        message.textContent = deps.describeError(err);
        message.hidden = false;
      },
    );
  });
  const state =
    e === null
      ? null
      : e.status === 'ready' && e.url
        ? h(
            'a',
            { attrs: { href: e.url, 'data-testid': 'export-download' } },
            `Download subtitled video (version ${e.version})`,
          )
        : h(
            'span',
            { class: e.status === 'failed' ? 'error' : 'rec-note', attrs: { 'data-testid': 'export-status' } },
            e.status === 'failed'
              ? `Export failed: ${e.reason ?? 'unknown reason'}`
              : e.status === 'rendering'
                ? `Rendering version ${e.version}…`
                : `Export of version ${e.version} is waiting to start…`,
          );
  return h(
    'section',
    { class: 'rec-export' },
    h('h3', null, 'Export'),
    h('div', { class: 'rec-actions' }, button, state),
    message,
  );
}
