import * as z from 'zod';

/*
 * What wakes the fleet scaler besides its one-minute schedule: an async invoke when a transcription job is enqueued
 * (with the recording's duration, so the scaler knows the job's run time before it starts) or finished.
 */

/** The source every poke carries; anything else reaching the scaler is its EventBridge schedule. */
export const SCALER_POKE_SOURCE = 'connect-now.enqueue';

export const ScalerPokeJob = z.object({
  /** For the logs: which job this poke announces. */
  jobId: z.string().min(1).max(200),
  /** The recording's duration from ffprobe at transcode time; null when unknown (the scaler then uses averages). */
  mediaSeconds: z
    .number()
    .nonnegative()
    .max(7 * 24 * 3600)
    .nullable(),
});
export type ScalerPokeJob = z.infer<typeof ScalerPokeJob>;

export const ScalerPoke = z.object({
  source: z.literal(SCALER_POKE_SOURCE),
  /** Present when a job was enqueued; absent on the worker's after-job poke. */
  job: ScalerPokeJob.optional(),
});
export type ScalerPoke = z.infer<typeof ScalerPoke>;
