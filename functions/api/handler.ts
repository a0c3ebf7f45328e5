import type { HttpEvent, HttpResult } from '../shared/http';
import { logger } from '../shared/logger';
import { createRouter } from './router';
import { routes } from './routes';

const route = createRouter(routes);

/** The HTTP API Lambda (payload format 2.0): `ANY /api/{proxy+}`. */
export async function handler(event: HttpEvent): Promise<HttpResult> {
  logger.appendKeys({
    requestId: event.requestContext?.requestId,
    route: `${event.requestContext?.http?.method} ${event.rawPath}`,
  });
  try {
    return await route(event);
  } finally {
    // Locally every handler shares one process (and this logger): keep per-request keys out of the others' logs.
    logger.removeKeys(['requestId', 'route']);
  }
}
