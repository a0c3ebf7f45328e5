import type { RecordingServerMessage } from '../../../../functions/shared/protocol/recordings';
import { h, replaceChildren } from '../../ui/dom';
import { createMeetingRecorder, type MeetingRecorder } from './meeting-recorder';
import { nextPipelineLine, type PipelineLine } from './meeting-pipeline-status';
import type { JsonHttp } from '../recordings-api';
import { formatDuration } from '../upload/upload-progress';

export interface RecordControlDeps {
  readonly api: JsonHttp;
  readonly roomId: string;
  readonly title?: string;
  /** The element holding the visible tiles: its <video> elements are recorded, their streams' audio mixed. */
  readonly tiles: HTMLElement;
  /** Only the host (and co-hosts) record; read again every few seconds because the host can hand over. */
  readonly canRecord: () => boolean;
  /** The signed-in user's id, for the crash journal (recording-journal.ts). */
  readonly ownerId?: () => string | null;
  /** Pipeline pushes for this person's recordings of this room (the room socket); returns the unsubscribe. */
  readonly onRecordingMessage?: (listener: (message: RecordingServerMessage) => void) => () => void;
  /** Told when this page starts and stops recording, so the room can show everyone it is being recorded. */
  readonly onRecordingChange?: (recording: boolean) => void;
}

/**
 * The meeting's "Record" button (the one hook in the meeting controls). It records what the host sees: the
 * visible tiles and everyone's audio (each tile's stream), and the result appears on /recordings.
 */
export function createRecordControl(deps: RecordControlDeps): HTMLElement {
  const label = h('span', null, 'Record');
  const button = h(
    'button',
    {
      class: 'control',
      attrs: {
        type: 'button',
        'data-testid': 'toggle-recording',
        'aria-pressed': 'false',
        title: 'Record this meeting',
      },
    },
    label,
  );
  const status = h('span', {
    class: 'rec-control-status',
    attrs: { role: 'status', 'data-testid': 'recording-state' },
  });
  // A second line for the recording already saved: the pipeline's progress, pushed over the room socket.
  const pipeline = h('span', {
    class: 'rec-control-pipeline',
    attrs: { role: 'status', hidden: true, 'data-testid': 'recording-pipeline' },
  });
  const wrapper = h('span', { class: 'rec-control' }, button, status, pipeline);
  let shownLine: PipelineLine | null = null;
  const showPipeline = (message: RecordingServerMessage) => {
    const line = nextPipelineLine(shownLine, message);
    if (line === shownLine) return;
    shownLine = line;
    pipeline.hidden = false;
    pipeline.dataset.tone = line.tone;
    replaceChildren(
      pipeline,
      h('span', { attrs: { 'data-testid': 'recording-pipeline-text' } }, line.text),
      line.href
        ? h(
            'a',
            // A new tab: following the link must not leave the meeting.
            { attrs: { href: line.href, target: '_blank', rel: 'noopener', 'data-testid': 'recording-pipeline-link' } },
            'Open',
          )
        : null,
    );
  };
  const unsubscribePipeline = deps.onRecordingMessage?.(showPipeline);
  let recorder: MeetingRecorder | null = null;
  let startedAt = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const visibleVideos = () =>
    Array.from(deps.tiles.querySelectorAll('video')).filter((v) => v.offsetParent !== null && v.srcObject);
  const audioStreams = () =>
    Array.from(deps.tiles.querySelectorAll('video'))
      .map((v) => v.srcObject)
      .filter((s): s is MediaStream => s instanceof MediaStream);

  const refreshVisibility = () => {
    wrapper.hidden = !deps.canRecord() && recorder === null;
  };
  let mounted = false;
  const visibilityTimer = setInterval(() => {
    if (wrapper.isConnected) mounted = true;
    else if (mounted && recorder === null) {
      clearInterval(visibilityTimer); // the meeting page is gone
      unsubscribePipeline?.();
      return;
    }
    refreshVisibility();
  }, 2000);
  refreshVisibility();

  button.addEventListener('click', () => {
    if (recorder === null) void start();
    else if (recorder.state === 'recording') void stop();
  });

  async function start() {
    button.disabled = true;
    status.textContent = 'Starting…';
    recorder = createMeetingRecorder({
      api: deps.api,
      roomId: deps.roomId,
      ...(deps.title ? { title: deps.title } : {}),
      visibleVideos,
      audioStreams,
      ownerId: deps.ownerId?.() ?? null,
      onStateChange: (state, detail) => {
        if (state === 'failed') status.textContent = failedText(detail ?? 'unknown error');
      },
    });
    try {
      await recorder.start();
      deps.onRecordingChange?.(true);
      startedAt = Date.now();
      label.textContent = 'Stop recording';
      button.setAttribute('aria-pressed', 'true');
      const tick = () => {
        const mine = recorder;
        if (mine?.state === 'recording')
          status.textContent = `Recording ${formatDuration((Date.now() - startedAt) / 1000)}`;
        // The recorder stops itself at the upload limit or after an upload failure.
        if (mine && mine.state !== 'recording' && mine.state !== 'stopping') reset();
      };
      tick();
      ticker = setInterval(tick, 1000);
    } catch {
      recorder = null;
    } finally {
      button.disabled = false;
    }
  }

  async function stop() {
    const mine = recorder;
    if (!mine) return;
    button.disabled = true;
    status.textContent = 'Saving the recording…';
    try {
      await mine.stop();
      status.textContent = 'Saved. Processing starts now; find it under Recordings.';
    } catch (err) {
      status.textContent = failedText(err instanceof Error ? err.message : String(err));
    } finally {
      reset();
    }
  }

  function failedText(reason: string): string {
    // An upload that failed mid-meeting is not lost: the journal kept every chunk S3 did not get.
    const kept = recorder?.journalled && recorder.recordingId !== null;
    return kept
      ? `Recording failed: ${reason} What was recorded is kept in this browser; open Recordings to finish the upload.`
      : `Recording failed: ${reason}`;
  }

  function reset() {
    clearInterval(ticker);
    recorder = null;
    deps.onRecordingChange?.(false);
    label.textContent = 'Record';
    button.setAttribute('aria-pressed', 'false');
    button.disabled = false;
    refreshVisibility();
  }

  return wrapper;
}
