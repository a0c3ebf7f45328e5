/**
 * Polls on the room socket: the client messages (create, vote, close, expiry claim) and what the server sends back.
 * Imported by room.ts into its unions; like room.ts, zod only (the browser bundle imports it too).
 *
 * Anonymous polls never carry who voted what: `results.ballots` is filled only for named polls, and only for those
 * allowed to see results.
 */
import * as z from 'zod';

/** The same numbers are shown in the create form. */
export const POLL_LIMITS = {
  question: 200,
  option: 80,
  minOptions: 2,
  maxOptions: 10,
  minDurationSeconds: 30,
  maxDurationSeconds: 3600,
} as const;

// eslint-disable-next-line no-control-regex
const LINE_CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

const pollText = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => !LINE_CONTROL_CHARS.test(s), `${what} must not contain control characters or line breaks`);

/** Server-chosen: time-ordered, lower case letters, digits and dashes (also a safe URL path segment). */
export const pollIdSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[0-9a-z-]+$/, 'invalid poll id');

const optionIndexSchema = z
  .number()
  .int()
  .min(0)
  .max(POLL_LIMITS.maxOptions - 1);

export const pollCreateShape = {
  question: pollText('question', POLL_LIMITS.question),
  options: z
    .array(pollText('option', POLL_LIMITS.option))
    .min(POLL_LIMITS.minOptions, `a poll needs at least ${POLL_LIMITS.minOptions} options`)
    .max(POLL_LIMITS.maxOptions, `a poll has at most ${POLL_LIMITS.maxOptions} options`)
    .refine((o) => new Set(o.map((x) => x.toLowerCase())).size === o.length, 'options must differ from each other'),
  multiple: z.boolean(),
  anonymous: z.boolean(),
  /** false: only hosts and cohosts see results until the poll closes. */
  resultsVisibleToAll: z.boolean(),
  durationSeconds: z
    .number()
    .int()
    .min(POLL_LIMITS.minDurationSeconds, `a time limit is at least ${POLL_LIMITS.minDurationSeconds} seconds`)
    .max(POLL_LIMITS.maxDurationSeconds, `a time limit is at most ${POLL_LIMITS.maxDurationSeconds} seconds`)
    .optional(),
};

/** Replaces the sender's earlier vote in this poll (votes may change until it closes). */
export const pollVoteShape = {
  pollId: pollIdSchema,
  optionIndexes: z
    .array(optionIndexSchema)
    .min(1, 'choose at least one option')
    .max(POLL_LIMITS.maxOptions)
    .refine((a) => new Set(a).size === a.length, 'an option may be chosen once'),
};

export const pollIdShape = { pollId: pollIdSchema };

export const pollExportFormatSchema = z.enum(['csv', 'json']);
export type PollExportFormat = z.infer<typeof pollExportFormatSchema>;

export const pollSchema = z.object({
  id: pollIdSchema,
  question: z.string().max(POLL_LIMITS.question),
  options: z.array(z.string().max(POLL_LIMITS.option)).min(POLL_LIMITS.minOptions).max(POLL_LIMITS.maxOptions),
  multiple: z.boolean(),
  anonymous: z.boolean(),
  resultsVisibleToAll: z.boolean(),
  /** The creator's display name. */
  createdBy: z.string().max(64),
  /** Epoch milliseconds. */
  openedAt: z.number().int().nonnegative(),
  /** When the time limit ends it; null without one. */
  closesAt: z.number().int().nonnegative().nullable(),
  /** null while open. */
  closedAt: z.number().int().nonnegative().nullable(),
});
export type Poll = z.infer<typeof pollSchema>;

export const pollBallotSchema = z.object({
  name: z.string().max(64),
  optionIndexes: z.array(optionIndexSchema).max(POLL_LIMITS.maxOptions),
});
export type PollBallot = z.infer<typeof pollBallotSchema>;

export const pollResultsSchema = z.object({
  /** People who voted (each identity once). */
  voters: z.number().int().nonnegative(),
  /** Votes per option, in option order; absent for whoever may not see results yet. */
  counts: z.array(z.number().int().nonnegative()).max(POLL_LIMITS.maxOptions).optional(),
  /** Who chose what: named polls only, and only alongside `counts`. */
  ballots: z.array(pollBallotSchema).max(200).optional(),
});
export type PollResults = z.infer<typeof pollResultsSchema>;

/** The poll as one recipient sees it: results as far as they may see them, and their own current vote. */
export const pollViewSchema = z.object({
  poll: pollSchema,
  results: pollResultsSchema,
  /** The recipient's own choices; empty when they have not voted. */
  myVote: z.array(optionIndexSchema).max(POLL_LIMITS.maxOptions),
});
export type PollView = z.infer<typeof pollViewSchema>;

export const pollServerMessages = [
  /** To everyone: a host opened a poll. */
  z.object({ type: z.literal('poll.opened'), view: pollViewSchema }),
  /** To everyone after each vote, each recipient with what they may see and their own vote. */
  z.object({ type: z.literal('poll.results'), view: pollViewSchema }),
  /** To everyone: the poll closed (by a host or its time limit); final results, visible to all. */
  z.object({ type: z.literal('poll.closed'), view: pollViewSchema, reason: z.enum(['host', 'timer']) }),
] as const;
