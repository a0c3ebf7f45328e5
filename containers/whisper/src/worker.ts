import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TranscribeJob } from '../../../functions/shared/protocol/recordings';
import type { InstanceProtection } from './instance-protection';
import { runTranscriptionJob, type JobDeps, type JobOutcome } from './transcription-job';

export interface WorkerOptions {
  queueUrl: string;
  visibilityTimeoutSeconds: number;
  heartbeatSeconds: number;
  maxReceiveCount: number;
  waitTimeSeconds: number;
  errorBackoffMs?: number;
}

export interface WorkerDeps extends JobDeps {
  sqs: SQSClient;
  protection: InstanceProtection;
  /** Called after each job: wakes the scaler so a spare instance is released now, not at the next tick. */
  afterJob?: () => Promise<void>;
}

/** Raised into the job's abort signal on SIGTERM: the job is handed back, not failed. */
export class ShuttingDown extends Error {
  constructor() {
    super('worker is shutting down');
    this.name = 'ShuttingDown';
  }
}

export type MessageOutcome = JobOutcome | 'poison' | 'retry' | 'failed-final' | 'handed-back';

/**
 * The SQS consumer: one job at a time (one GPU), long polling, a heartbeat that extends the job's visibility,
 * acknowledgement (DeleteMessage) only after the result is stored. Failures leave the message to SQS: it comes
 * back after the visibility timeout and, after maxReceiveCount receives, the redrive policy moves it to the DLQ.
 */
export class TranscriptionWorker {
  private stopping = false;
  private current: { abort: AbortController; done: Promise<unknown> } | null = null;
  /** Counts by outcome, for logs and tests. */
  readonly outcomes: Record<string, number> = {};

  constructor(
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions,
  ) {}

  /** Runs until stop(); returns when the loop has ended. */
  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const message = await this.receive();
        if (!message || this.stopping) {
          if (message) await this.handBack(message);
          continue;
        }
        const abort = new AbortController();
        const done = this.handle(message, abort.signal);
        this.current = { abort, done };
        try {
          await done;
        } finally {
          this.current = null;
        }
      } catch (error) {
        // SQS or the database unreachable: the message (if any) returns by itself; wait and poll again.
        this.deps.log('worker loop error', { error: String(error) });
        if (!this.stopping) await sleep(this.options.errorBackoffMs ?? 5000);
      }
    }
  }

  /**
   * SIGTERM: abort the running job and hand its message back at once (visibility 0), so another worker picks it
   * up without waiting out the timeout. A long poll in progress is left to finish (≤ WaitTimeSeconds): aborting
   * it client-side does not stop SQS from delivering into it, and that message would hide for a whole timeout.
   * Whatever it brings is handed back the same way.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.current) {
      this.current.abort.abort(new ShuttingDown());
      await this.current.done.catch(() => undefined);
    }
  }

  private async receive(): Promise<Message | null> {
    const out = await this.deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: this.options.waitTimeSeconds,
        VisibilityTimeout: this.options.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return out.Messages?.[0] ?? null;
  }

  /** Processes one message; never throws for a job's own failure (SQS retries it), only for SQS/infra errors. */
  async handle(message: Message, signal: AbortSignal): Promise<MessageOutcome> {
    const outcome = await this.process(message, signal);
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    return outcome;
  }

  private async process(message: Message, signal: AbortSignal): Promise<MessageOutcome> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    const parsed = TranscribeJob.safeParse(safeJson(message.Body));
    if (!parsed.success) {
      // Nothing to record it against; SQS moves it to the DLQ after maxReceiveCount, where it can be inspected.
      this.deps.log('malformed transcription job', { messageId: message.MessageId, issues: parsed.error.message });
      await this.setVisibility(message, 0);
      return 'poison';
    }
    const job = parsed.data;
    await this.deps.protection.setBusy(true);
    const heartbeat = setInterval(() => {
      this.setVisibility(message, this.options.visibilityTimeoutSeconds).catch((error: unknown) =>
        this.deps.log('heartbeat failed', { jobId: job.jobId, error: String(error) }),
      );
    }, this.options.heartbeatSeconds * 1000);
    try {
      const outcome = await runTranscriptionJob(job, this.deps, signal);
      await this.delete(message);
      this.deps.log('job finished', { jobId: job.jobId, outcome });
      return outcome;
    } catch (error) {
      if (signal.aborted && signal.reason instanceof ShuttingDown) {
        await this.handBack(message);
        await this.deps.store.markQueued(job.recordingId);
        this.deps.log('job handed back on shutdown', { jobId: job.jobId });
        return 'handed-back';
      }
      const reason = error instanceof Error ? error.message : String(error);
      const final = receiveCount >= this.options.maxReceiveCount;
      await this.deps.store.failJob(job.jobId, reason, final);
      this.deps.log('job failed', { jobId: job.jobId, receiveCount, final, error: reason });
      if (final) {
        const failed = await this.deps.store.markFailed(
          job.recordingId,
          `Transcription failed after ${receiveCount} attempts: ${reason}`,
        );
        if (failed) await this.deps.notify((await this.deps.store.get(job.recordingId))!);
        // Visible at once, so the next receive moves it to the DLQ now rather than after the timeout.
        await this.setVisibility(message, 0);
        return 'failed-final';
      }
      await this.deps.store.markQueued(job.recordingId);
      // Back off before the retry: a transient cause (S3, database waking from 0 ACU) gets time to pass.
      await this.setVisibility(message, Math.min(this.options.visibilityTimeoutSeconds, 10 * receiveCount));
      return 'retry';
    } finally {
      clearInterval(heartbeat);
      await this.deps.protection.setBusy(false);
      await this.deps
        .afterJob?.()
        .catch((error: unknown) => this.deps.log('scaler poke failed', { error: String(error) }));
    }
  }

  private async handBack(message: Message): Promise<void> {
    await this.setVisibility(message, 0);
  }

  private async setVisibility(message: Message, seconds: number): Promise<void> {
    await this.deps.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.options.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  private async delete(message: Message): Promise<void> {
    await this.deps.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function safeJson(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
}
