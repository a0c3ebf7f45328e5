import {
  LIVE_RECORDING_DECLARED_BYTES,
  UPLOAD_PART_SIZE,
  type RecordingSummary,
} from '../../../../functions/shared/protocol/recordings';
import { browserRecordingLock } from './crash-recovery';
import { LiveUpload } from './live-upload';
import { xhrPutPart, type PutPart } from '../upload/part-transfer';
import { openRecordingJournal, type RecordingJournal } from './recording-journal';
import { RecordingsApi, type JsonHttp } from '../recordings-api';
import { computeGrid } from './tile-layout';

export type RecorderState = 'idle' | 'starting' | 'recording' | 'stopping' | 'done' | 'failed';

export interface MeetingRecorderDeps {
  /** H5's ApiClient (an authorised JSON request). */
  readonly api: JsonHttp;
  /** The meeting's room id: labels the recording. */
  readonly roomId?: string;
  readonly title?: string;
  /** The tiles visible right now, in screen order (read every frame, so joins and leaves show up). */
  readonly visibleVideos: () => readonly HTMLVideoElement[];
  /** Every audio source to mix: the local microphone and each remote participant (read every second). */
  readonly audioStreams: () => readonly MediaStream[];
  readonly putPart?: PutPart;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly onStateChange?: (state: RecorderState, detail?: string) => void;
  /** The signed-in user's id: the journal entry is theirs, so another user of this browser does not recover it. */
  readonly ownerId?: string | null;
  /** The crash journal (IndexedDB); a recorder without one still works, it just cannot be recovered after a crash. */
  readonly openJournal?: () => Promise<RecordingJournal>;
}

export interface MeetingRecorder {
  readonly state: RecorderState;
  readonly recordingId: string | null;
  /** Bytes S3 has acknowledged so far. */
  readonly uploadedBytes: number;
  /** Every chunk so far is in the crash journal: after a failure the Recordings page can finish the upload. */
  readonly journalled: boolean;
  start(): Promise<void>;
  /** Stops, uploads the last part and completes: the recording then goes through the pipeline. */
  stop(): Promise<RecordingSummary>;
}

// VP8 + Opus in WebM is what every Chromium and Firefox MediaRecorder can write; the transcoder makes the MP4.
const MIME_CANDIDATES = ['video/webm;codecs=vp8,opus', 'video/webm'];
// ~1.2 Mbit/s keeps a 720p grid legible and makes a 16 MiB part about every two minutes (the part still being
// filled is kept in the crash journal, not only in memory); 2 GiB (the upload limit) then lasts about 3.7 hours.
const VIDEO_BITS_PER_SECOND = 1_200_000;
const AUDIO_BITS_PER_SECOND = 64_000;
// MediaRecorder hands over data every second so the part buffer, not the recorder, decides what is unsent.
const TIMESLICE_MS = 1000;

/**
 * The host's in-meeting recorder: draws the visible tiles onto a canvas, mixes every participant's audio with
 * WebAudio, records both with MediaRecorder and uploads parts while recording (see LiveUpload).
 */
export function createMeetingRecorder(deps: MeetingRecorderDeps): MeetingRecorder {
  const api = new RecordingsApi(deps.api);
  const width = deps.width ?? 1280;
  const height = deps.height ?? 720;
  const fps = deps.fps ?? 15;
  let state: RecorderState = 'idle';
  let recordingId: string | null = null;
  let upload: LiveUpload | null = null;
  let recorder: MediaRecorder | null = null;
  let drawTimer: ReturnType<typeof setInterval> | undefined;
  let audioTimer: ReturnType<typeof setInterval> | undefined;
  let audioContext: AudioContext | null = null;
  let canvasTrack: MediaStreamTrack | null = null;
  // The crash journal: written in order on one promise chain (a chunk that failed to land stops the journal, as a
  // gap would make everything after it unusable).
  let journal: RecordingJournal | null = null;
  let journalChain: Promise<void> = Promise.resolve();
  let journalOk = false;
  let recordedBytes = 0;
  let chunkSeq = 0;
  let releaseLock: () => void = () => undefined;
  const journalDo = (step: (j: RecordingJournal, id: string) => Promise<void>) => {
    const j = journal;
    const id = recordingId;
    if (!j || !id) return;
    journalChain = journalChain.then(async () => {
      if (!journalOk) return;
      try {
        await step(j, id);
      } catch {
        journalOk = false; // quota or a closed database: the recording goes on, it just is not crash-safe now
      }
    });
  };

  const setState = (next: RecorderState, detail?: string) => {
    state = next;
    deps.onStateChange?.(next, detail);
  };

  const cleanUp = () => {
    clearInterval(drawTimer);
    clearInterval(audioTimer);
    canvasTrack?.stop();
    void audioContext?.close().catch(() => undefined);
    audioContext = null;
  };

  async function start(): Promise<void> {
    if (state !== 'idle') throw new Error(`The recorder is ${state}.`);
    const mimeType = MIME_CANDIDATES.find((t) => MediaRecorder.isTypeSupported(t));
    if (!mimeType) throw new Error('This browser cannot record video (no WebM MediaRecorder).');
    setState('starting');
    try {
      const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
      // The size is unknown until the end: declare the largest and complete early (the API's live-recording mode).
      const created = await api.create({
        fileName: `meeting-${stamp}.webm`,
        contentType: 'video/webm',
        sizeBytes: LIVE_RECORDING_DECLARED_BYTES,
        ...(deps.title ? { title: deps.title } : {}),
        ...(deps.roomId ? { roomId: deps.roomId } : {}),
      });
      recordingId = created.recording.id;
      journal = await (deps.openJournal ?? openRecordingJournal)().catch(() => null);
      if (journal) {
        // Held while this tab records and uploads (taken before the entry exists): the Recordings page leaves a
        // locked recording alone.
        browserRecordingLock().hold(recordingId, new Promise<void>((resolve) => (releaseLock = resolve)));
        journalOk = await journal
          .begin({
            recordingId,
            ownerId: deps.ownerId ?? null,
            mimeType: 'video/webm',
            partBytes: UPLOAD_PART_SIZE,
            title: deps.title ?? null,
            roomId: deps.roomId ?? null,
            startedAt: Date.now(),
          })
          .then(
            () => true,
            () => false,
          );
      }
      upload = new LiveUpload({
        api,
        putPart: deps.putPart ?? xhrPutPart,
        recordingId,
        mimeType: 'video/webm',
        initialUrls: created.upload.parts,
        onFull: () => void stop().catch(() => undefined),
        onPartStored: (partNumber, bytes) => journalDo((j, id) => j.acknowledge(id, partNumber, bytes)),
      });

      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const g = canvas.getContext('2d');
      if (!g) throw new Error('No 2D canvas in this browser.');
      drawTimer = setInterval(() => drawTiles(g, width, height, deps.visibleVideos()), 1000 / fps);
      drawTiles(g, width, height, deps.visibleVideos());
      canvasTrack = canvas.captureStream(fps).getVideoTracks()[0] ?? null;

      audioContext = new AudioContext();
      const mix = audioContext.createMediaStreamDestination();
      const connected = new Map<string, MediaStreamAudioSourceNode>();
      const syncAudio = () => {
        const ctx = audioContext;
        if (!ctx) return;
        const live = new Set<string>();
        for (const stream of deps.audioStreams()) {
          if (stream.getAudioTracks().length === 0) continue;
          live.add(stream.id);
          if (!connected.has(stream.id)) {
            const source = ctx.createMediaStreamSource(stream);
            source.connect(mix);
            connected.set(stream.id, source);
          }
        }
        for (const [id, source] of connected) {
          if (!live.has(id)) {
            source.disconnect();
            connected.delete(id);
          }
        }
      };
      syncAudio();
      audioTimer = setInterval(syncAudio, 1000);

      const tracks = [canvasTrack, ...mix.stream.getAudioTracks()].filter((t): t is MediaStreamTrack => t !== null);
      recorder = new MediaRecorder(new MediaStream(tracks), {
        mimeType,
        videoBitsPerSecond: VIDEO_BITS_PER_SECOND,
        audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
      });
      recorder.ondataavailable = (event) => {
        const chunk = event.data;
        if (chunk.size > 0) {
          const seq = chunkSeq++;
          const start = recordedBytes;
          recordedBytes += chunk.size;
          journalDo((j, id) => j.append(id, seq, start, chunk));
        }
        upload?.push(chunk);
        if (upload?.error && state === 'recording') void stop().catch(() => undefined);
      };
      recorder.start(TIMESLICE_MS);
      setState('recording');
    } catch (err) {
      cleanUp();
      if (upload) await upload.cancel().catch(() => undefined);
      journalDo((j, id) => j.remove(id));
      await journalChain;
      releaseLock();
      setState('failed', err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  let stopping: Promise<RecordingSummary> | null = null;
  function stop(): Promise<RecordingSummary> {
    if (stopping) return stopping;
    if (state !== 'recording' || !recorder || !upload) return Promise.reject(new Error(`The recorder is ${state}.`));
    const rec = recorder;
    const up = upload;
    setState('stopping');
    stopping = new Promise<void>((resolve) => {
      // The final dataavailable fires before stop: after it, every byte is in the part buffer.
      rec.addEventListener('stop', () => resolve(), { once: true });
      rec.stop();
    })
      .then(() => {
        cleanUp();
        return up.finish();
      })
      .then(
        async (summary) => {
          // Completed: S3 has every byte, the journal has nothing left to keep.
          journalDo((j, id) => j.remove(id));
          await journalChain;
          releaseLock();
          setState('done');
          return summary;
        },
        async (err: unknown) => {
          // Kept in the journal (when it held up): the Recordings page finishes the upload on the next visit.
          await journalChain;
          releaseLock();
          setState('failed', err instanceof Error ? err.message : String(err));
          throw err;
        },
      );
    return stopping;
  }

  return {
    get state() {
      return state;
    },
    get recordingId() {
      return recordingId;
    },
    get uploadedBytes() {
      return upload?.uploadedBytes ?? 0;
    },
    get journalled() {
      return journalOk;
    },
    start,
    stop,
  };
}

function drawTiles(g: CanvasRenderingContext2D, width: number, height: number, videos: readonly HTMLVideoElement[]) {
  g.fillStyle = '#0f1419';
  g.fillRect(0, 0, width, height);
  const cells = computeGrid(videos.length, width, height, 8);
  videos.forEach((video, i) => {
    const cell = cells[i]!;
    g.fillStyle = '#1a2129';
    g.fillRect(cell.x, cell.y, cell.width, cell.height);
    if (video.readyState < 2 || video.videoWidth === 0) return;
    const fit = Math.min(cell.width / video.videoWidth, cell.height / video.videoHeight);
    const w = video.videoWidth * fit;
    const h = video.videoHeight * fit;
    g.drawImage(video, cell.x + (cell.width - w) / 2, cell.y + (cell.height - h) / 2, w, h);
  });
}
