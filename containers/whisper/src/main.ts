import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { autoScaling, lambda, s3, sqs } from '../../../functions/shared/aws-clients';
import { getSql } from '../../../functions/shared/sql/sql';
import { S3MediaStorage, type MediaStorage } from '../../../functions/recordings/media-storage';
import { notifyOwner } from '../../../functions/recordings/notify';
import { pokeScaler } from '../../../functions/recordings/queues';
import { RecordingStore } from '../../../functions/recordings/recording-store';
import { loadWorkerConfig } from './config';
import { selectEngine } from './engines/select';
import { detectInstanceProtection, noProtection } from './instance-protection';
import { TranscriptionWorker } from './worker';

/** Structured one-line logs (CloudWatch agent / the local supervisor read stdout). */
function log(message: string, fields: Record<string, unknown> = {}): void {
  // The functions' own switch (Powertools): the test suite silences the worker it starts with it.
  if (process.env.POWERTOOLS_LOG_LEVEL === 'SILENT') return;
  console.log(
    JSON.stringify({
      level: 'INFO',
      service: 'transcription-worker',
      message,
      ...fields,
      time: new Date().toISOString(),
    }),
  );
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const engine = selectEngine({
    choice: config.TRANSCRIBE_ENGINE,
    whisperBinary: config.WHISPER_CPP_PATH,
    whisperModel: config.WHISPER_MODEL_PATH,
    whisperThreads: config.WHISPER_THREADS,
    pocketsphinxBinary: config.POCKETSPHINX_PATH,
  });
  const storages = new Map<string, MediaStorage>();
  const storageFor = (bucket: string) => {
    if (config.RECORDINGS_BUCKET && bucket !== config.RECORDINGS_BUCKET) {
      throw new Error(`Job names bucket ${bucket}; this worker serves ${config.RECORDINGS_BUCKET}`);
    }
    let storage = storages.get(bucket);
    if (!storage) storages.set(bucket, (storage = new S3MediaStorage(s3(), bucket)));
    return storage;
  };
  const protection = config.INSTANCE_PROTECTION ? await detectInstanceProtection(autoScaling()) : noProtection;
  const workerId = config.WORKER_ID ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
  const worker = new TranscriptionWorker(
    {
      sqs: sqs(),
      store: new RecordingStore(getSql()),
      storageFor,
      engine,
      notify: async (r) => {
        await notifyOwner(r);
      },
      ffmpeg: config.FFMPEG_PATH,
      workerId,
      workRoot: config.WORK_DIR,
      protection,
      log,
      afterJob: () => pokeScaler(lambda(), process.env.SCALER_FUNCTION_NAME || undefined),
    },
    {
      queueUrl: config.TRANSCRIBE_QUEUE_URL,
      visibilityTimeoutSeconds: config.VISIBILITY_TIMEOUT_SECONDS,
      heartbeatSeconds: config.HEARTBEAT_SECONDS,
      maxReceiveCount: config.MAX_RECEIVE_COUNT,
      waitTimeSeconds: config.WAIT_TIME_SECONDS,
    },
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    worker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log('stop failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  log('started', { engine: engine.name, workerId, queue: config.TRANSCRIBE_QUEUE_URL });
  await worker.run();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
