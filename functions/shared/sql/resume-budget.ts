/*
 * How long a statement waits for a paused Aurora Serverless v2 cluster to resume (typically ~15 s after an idle
 * pause at 0 ACU). One home for the Data API retry (data-api-sql.ts) and for the CDK stacks, which refuse a function
 * that touches the database with a timeout too short to outlast a resume (lib/constructs/house-function.ts).
 */

/** Statements keep retrying DatabaseResumingException for this long after the first try. */
export const DATABASE_RESUME_RETRY_MS = 20_000;

/** The longest pause between two tries (the backoff doubles from 500 ms up to this). */
export const DATABASE_RESUME_MAX_BACKOFF_MS = 4_000;

/**
 * The time a resume can cost one request: the retry window plus one last backoff. A function's timeout must exceed
 * it by the time its own work takes (at least DATABASE_FUNCTION_TIMEOUT_MARGIN_MS).
 */
export const DATABASE_RESUME_BUDGET_MS = DATABASE_RESUME_RETRY_MS + DATABASE_RESUME_MAX_BACKOFF_MS;

/** What a database-using function needs beyond the resume budget: the statement itself and the rest of its work. */
export const DATABASE_FUNCTION_TIMEOUT_MARGIN_MS = 4_000;
