import { createRouter } from '../api/router';
import type { HttpEvent, HttpResult } from '../shared/http';
import { logger } from '../shared/logger';
import { createAvatarRoutes, defaultAvatarDeps } from './avatar-routes';

const route = createRouter(createAvatarRoutes(defaultAvatarDeps));

/**
 * The Avatar Lambda (HTTP API, payload format 2.0): `PUT` and `DELETE /api/account/avatar`. Its own function
 * because it carries sharp's native libvips (x86_64, lib/constructs/native-modules.ts) and decodes untrusted
 * pictures: a crafted file that crashes or stalls the decoder takes down this function only, never the HTTP API.
 */
export async function handler(event: HttpEvent): Promise<HttpResult> {
  logger.appendKeys({ requestId: event.requestContext?.requestId, route: `${event.requestContext?.http?.method}` });
  try {
    return await route(event);
  } finally {
    logger.removeKeys(['requestId', 'route']);
  }
}
