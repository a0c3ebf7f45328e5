/**
 * The RDS Data API's fixed limits (Aurora User Guide: "Limitations for the Amazon RDS Data API" and the Data API
 * quotas in "Quotas and constraints for Amazon Aurora"; none of them is adjustable). One home: the local Data API
 * emulator refuses what Aurora's Data API refuses, and code that stores large values (the whiteboard's snapshots)
 * sizes its rows and pages from the same numbers.
 */
export const DATA_API_LIMITS = {
  /** "Data API HTTP request body size": 4 MB. */
  requestBodyBytes: 4 * 1024 * 1024,
  /** "The response size limit is 1 MiB": a statement whose result set is larger is terminated. */
  resultSetBytes: 1024 * 1024,
  /** "64 KB per row in the result set returned by the database" ("Packet for query is too large"). */
  rowBytes: 64 * 1024,
} as const;

/** What Aurora's Data API answers (BadRequestException) when a row of the result set passes `rowBytes`. */
export const ROW_TOO_LARGE_MESSAGE = 'Packet for query is too large';
/** What it answers when the whole result set passes `resultSetBytes`. */
export const RESULT_TOO_LARGE_MESSAGE = 'Database returned more than the allowed response size limit';
