import * as z from 'zod';

const Bool = z.enum(['true', 'false', 'on', 'off', '1', '0']).transform((v) => ['true', 'on', '1'].includes(v));

/** Every setting the worker reads, validated once at start; a bad value stops it with the variable's name. */
const WorkerEnv = z.object({
  TRANSCRIBE_QUEUE_URL: z.url({ error: 'TRANSCRIBE_QUEUE_URL must be the SQS queue URL' }),
  RECORDINGS_BUCKET: z.string().min(1).optional(),
  TRANSCRIBE_ENGINE: z.enum(['auto', 'whisper-cpp', 'pocketsphinx']).default('auto'),
  WHISPER_CPP_PATH: z.string().default('whisper-cli'),
  WHISPER_MODEL_PATH: z.string().optional(),
  WHISPER_THREADS: z.coerce.number().int().positive().optional(),
  POCKETSPHINX_PATH: z.string().default('pocketsphinx_continuous'),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  /** Must match the queue's visibility timeout; the heartbeat extends it while a job runs. */
  VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(43_200).default(120),
  HEARTBEAT_SECONDS: z.coerce.number().positive().optional(),
  /** Must match the redrive policy: the attempt that reaches it records the failure before SQS moves the job. */
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(3),
  WAIT_TIME_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
  WORK_DIR: z.string().optional(),
  INSTANCE_PROTECTION: Bool.default(true),
  WORKER_ID: z.string().optional(),
});

export type WorkerConfig = z.infer<typeof WorkerEnv> & { HEARTBEAT_SECONDS: number };

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = WorkerEnv.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`The transcription worker is misconfigured:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  // A third of the timeout leaves two chances to extend before SQS hands the job to someone else.
  return { ...c, HEARTBEAT_SECONDS: c.HEARTBEAT_SECONDS ?? c.VISIBILITY_TIMEOUT_SECONDS / 3 };
}
