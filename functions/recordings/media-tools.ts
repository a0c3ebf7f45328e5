import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import * as z from 'zod';

/** A media tool failed; `stderrTail` holds its last lines (ffmpeg explains itself there). */
export class ToolError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
    message?: string,
  ) {
    super(message ?? `${tool} exited with ${exitCode}: ${stderrTail.split('\n').slice(-3).join(' | ')}`);
    this.name = 'ToolError';
  }
}

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

/** ffprobe ships beside ffmpeg in every build we use (Debian, the static build in the Lambda image). */
export function ffprobePath(): string {
  if (process.env.FFPROBE_PATH) return process.env.FFPROBE_PATH;
  const ffmpeg = ffmpegPath();
  return ffmpeg.includes('/') ? join(dirname(ffmpeg), 'ffprobe') : 'ffprobe';
}

const STDERR_KEEP = 8 * 1024;

/**
 * The container formats (ffmpeg demuxer names) a recording may come in: those of ACCEPTED_UPLOAD_TYPES. Nothing
 * else is opened, whatever the bytes probe as: a playlist (hls), a concat script or an image sequence would make
 * ffmpeg read other files or URLs on the transcoder.
 */
export const INPUT_FORMAT_WHITELIST = 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,ogg,wav,mp3,flac';

/**
 * How every ffmpeg/ffprobe run names a file it reads: the format allow-list, and local files only (no http, no
 * data:, no subfile: a file name can never become another protocol).
 */
export function inputArgs(file: string): string[] {
  return ['-format_whitelist', INPUT_FORMAT_WHITELIST, '-protocol_whitelist', 'file', '-i', file];
}

/**
 * The tools this process is running, each with its stop. Kept on a global so that every copy of this module (the
 * local cloud loads handlers apart from its own imports) shares one set.
 */
const RUNNING = Symbol.for('connect-now.media-tools.running');
type StopTool = (reason: string) => void;
function runningTools(): Set<StopTool> {
  const holder = globalThis as { [RUNNING]?: Set<StopTool> };
  return (holder[RUNNING] ??= new Set());
}

/**
 * Ends every tool still running (SIGKILL), saying why in each one's error; returns how many there were. The local
 * cloud calls it on stop, after in-flight invocations had their moment: Lambda's shutdown of an execution
 * environment ends every process the function started, and an ffmpeg left running here would outlive `npm start`
 * (or a test suite) for minutes, holding a core.
 */
export function stopRunningTools(reason: string): number {
  const running = [...runningTools()];
  for (const stop of running) stop(reason);
  return running.length;
}

/** Runs a tool without a shell (file names never reach a shell) and with a hard time limit. */
export function runTool(
  command: string,
  args: string[],
  options: { timeoutMs?: number; onStderr?: (chunk: string) => void } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stoppedBecause: string | undefined;
    const stop: StopTool = (reason) => {
      stoppedBecause ??= reason;
      child.kill('SIGKILL');
    };
    runningTools().add(stop);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      options.onStderr?.(d);
      stderr = (stderr + d).slice(-STDERR_KEEP);
    });
    const timer = options.timeoutMs
      ? setTimeout(() => stop(`after ${options.timeoutMs} ms`), options.timeoutMs).unref()
      : undefined;
    const settle = () => {
      if (timer) clearTimeout(timer);
      runningTools().delete(stop);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle();
      reject(
        error.code === 'ENOENT'
          ? new ToolError(command, null, '', `${command} is not installed (or not on PATH)`)
          : error,
      );
    });
    child.on('close', (code) => {
      settle();
      if (code === 0 && !stoppedBecause) resolve({ stdout, stderr });
      else
        reject(
          new ToolError(command, code, stderr, stoppedBecause ? `${command} was stopped ${stoppedBecause}` : undefined),
        );
    });
  });
}

// --- probing -----------------------------------------------------------------------------------------------------

const ProbeOutput = z.object({
  format: z
    .object({
      format_name: z.string().optional(),
      duration: z.string().optional(),
    })
    .optional(),
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        duration: z.string().optional(),
        disposition: z
          .object({ attached_pic: z.number().optional(), default: z.number().optional() })
          .partial()
          .optional(),
      }),
    )
    .default([]),
});

export interface MediaInfo {
  durationSeconds: number;
  hasVideo: boolean;
  hasAudio: boolean;
  /** The audio streams in order (`0:a:N` is the N-th), each with whether the file flags it as the default. */
  audioStreams: { isDefault: boolean }[];
  width: number | null;
  height: number | null;
}

export type ProbeVerdict = { ok: true; info: MediaInfo } | { ok: false; reason: string };

/** Formats ffprobe can "open" that are not recordings (a text file probes as `tty`, an image as `image2`…). */
const NOT_MEDIA_FORMATS = /^(tty|image2|png_pipe|jpeg_pipe|gif|svg_pipe|webp_pipe|bmp_pipe|lrc|srt|webvtt|ass|txt)/;

/** Decides from ffprobe's JSON whether this is a recording we can process. Pure: unit-tested with fixtures. */
export function judgeProbe(raw: unknown, maxSeconds: number): ProbeVerdict {
  const notMedia = { ok: false as const, reason: 'The file is not a video or audio recording we can read' };
  const parsed = ProbeOutput.safeParse(raw);
  if (!parsed.success) return notMedia;
  const { format, streams } = parsed.data;
  if (format?.format_name && NOT_MEDIA_FORMATS.test(format.format_name)) return notMedia;
  // Cover art in an audio file is a "video" stream with attached_pic: it is not a video.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audioStreams = streams.filter((s) => s.codec_type === 'audio');
  const audio = audioStreams[0];
  if (!video && !audio) return notMedia;
  const duration = Number(format?.duration ?? video?.duration ?? audio?.duration ?? NaN);
  if (!Number.isFinite(duration) || duration <= 0) {
    return { ok: false, reason: 'The recording has no readable duration (it may be cut off or damaged)' };
  }
  if (duration > maxSeconds) {
    return {
      ok: false,
      reason: `The recording is ${formatDuration(duration)} long; the limit is ${formatDuration(maxSeconds)}`,
    };
  }
  return {
    ok: true,
    info: {
      durationSeconds: duration,
      hasVideo: Boolean(video),
      hasAudio: Boolean(audio),
      audioStreams: audioStreams.map((s) => ({ isDefault: s.disposition?.default === 1 })),
      width: video?.width ?? null,
      height: video?.height ?? null,
    },
  };
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${rest} s` : `${rest} s`;
}

/**
 * The end time (s) of the last packet, by demuxing only (no decoding); null when there are none. On a file our
 * own ffmpeg wrote, every packet is a frame that decoded from the source: this is the media's measured length.
 */
export async function lastPacketEnd(file: string): Promise<number | null> {
  const { stdout } = await runTool(
    ffprobePath(),
    ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', ...inputArgs(file)],
    { timeoutMs: 120_000 },
  );
  let end = 0;
  for (const line of stdout.split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (pts !== undefined && Number.isFinite(pts))
      end = Math.max(end, pts + (Number.isFinite(duration) ? duration! : 0));
  }
  return end > 0 ? end : null;
}

/** Runs ffprobe; a file ffprobe cannot open at all yields null (not media), other failures throw. */
export async function probe(file: string): Promise<unknown | null> {
  try {
    const { stdout } = await runTool(
      ffprobePath(),
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...inputArgs(file)],
      { timeoutMs: 60_000 },
    );
    const info = JSON.parse(stdout) as { format?: { duration?: string } };
    // WebM from MediaRecorder (in-meeting recordings) has no duration in its header: read it off the last packet.
    if (info.format && info.format.duration === undefined) {
      const end = await lastPacketEnd(file);
      if (end !== null) info.format.duration = String(end);
    }
    return info;
  } catch (error) {
    if (error instanceof ToolError && error.exitCode !== null) return null;
    throw error;
  }
}

// --- choosing the speech ----------------------------------------------------------------------------------------

/** Below this peak level (dBFS) an audio stream counts as silent: digital silence reads -91 dB or -inf. */
const SILENT_PEAK_DB = -60;

/**
 * Which audio streams (by audio index) carry the speech: the one the file flags as default, else the audible ones
 * (mixed when several). A silent stream is never chosen while an audible one exists, whatever its flag or place.
 * `audible` decodes a stream to measure it, so it is only asked when there is a choice to make.
 */
export async function chooseSpeechStreams(
  streams: readonly { isDefault: boolean }[],
  audible: (audioIndex: number) => Promise<boolean>,
): Promise<number[]> {
  if (streams.length <= 1) return [0];
  const defaults = streams.flatMap((s, i) => (s.isDefault ? [i] : []));
  if (defaults.length === 1 && (await audible(defaults[0]!))) return defaults;
  const loud: number[] = [];
  for (let i = 0; i < streams.length; i++) {
    if (defaults.length === 1 && i === defaults[0]) continue;
    if (await audible(i)) loud.push(i);
  }
  return loud.length > 0 ? loud : [defaults[0] ?? 0];
}

/** True when the audio stream's peak is above silence (ffmpeg volumedetect over the whole stream). */
export async function isAudible(file: string, audioIndex: number): Promise<boolean> {
  const { stderr } = await runTool(
    ffmpegPath(),
    [
      ...['-hide_banner', '-nostdin', ...inputArgs(file), '-map', `0:a:${audioIndex}`],
      ...['-af', 'volumedetect', '-vn', '-sn', '-f', 'null', '-'],
    ],
    { timeoutMs: 5 * 60 * 1000 },
  );
  const peak = /max_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr)?.[1];
  return peak !== undefined && peak !== '-inf' && Number(peak) > SILENT_PEAK_DB;
}
