/**
 * Typed errors. Domain code throws these; only the edges (HTTP handler, socket handler) map them to a status code
 * or an error message, so retries and DLQs still see every unexpected failure.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends AppError {
  constructor(message: string, details?: unknown, code = 'bad-request') {
    super(code, message, 400, details);
  }
}
export class Unauthorized extends AppError {
  constructor(message = 'Sign in again: your session is missing or has expired', code = 'unauthorized') {
    super(code, message, 401);
  }
}
export class Forbidden extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(code, message, 403);
  }
}
export class NotFound extends AppError {
  constructor(message: string, code = 'not-found') {
    super(code, message, 404);
  }
}
export class Conflict extends AppError {
  constructor(message: string, code = 'conflict') {
    super(code, message, 409);
  }
}
export class PayloadTooLarge extends AppError {
  constructor(message: string, code = 'too-large') {
    super(code, message, 413);
  }
}
/** A dependency is briefly unavailable (a paused database resuming): retryable, with a hint of when. */
export class ServiceUnavailable extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'unavailable',
  ) {
    super(code, message, 503, { retryAfterSeconds });
  }
}

export class TooManyRequests extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    code = 'rate-limited',
  ) {
    super(code, message, 429, { retryAfterSeconds });
  }
}
/** A deployment mistake (missing variable, bad value): fails loudly, never mapped to a 4xx. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
