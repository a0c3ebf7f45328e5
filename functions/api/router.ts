import type { HttpEvent, HttpResult } from '../shared/http';
import { errorResult, json } from '../shared/http';
import { decodeComponent } from '../shared/percent-encoding';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  event: HttpEvent;
  /** Values of `{name}` segments in the route path. */
  params: Record<string, string>;
}

export interface Route {
  method: HttpMethod;
  /** e.g. '/api/rooms/{id}/join' */
  path: string;
  handle(request: RouteRequest): Promise<HttpResult>;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}/?$`), names };
}

/** A small method+path router for the one HTTP API Lambda: API Gateway forwards `ANY /api/{proxy+}` to it. */
export function createRouter(routes: Route[]): (event: HttpEvent) => Promise<HttpResult> {
  const compiled = routes.map(compile);
  return async (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    let pathMatched = false;
    for (const route of compiled) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const decoded = route.names.map((_n, i) => decodeComponent(match[i + 1]!));
      if (decoded.some((value) => value === undefined)) {
        return json(400, { error: { code: 'bad-path', message: 'The path holds a malformed percent-escape' } });
      }
      const params = Object.fromEntries(route.names.map((n, i) => [n, decoded[i]!]));
      try {
        return await route.handle({ event, params });
      } catch (error) {
        return errorResult(error);
      }
    }
    return pathMatched
      ? json(405, { error: { code: 'method-not-allowed', message: `${method} is not allowed on ${path}` } })
      : json(404, { error: { code: 'not-found', message: `No API route for ${method} ${path}` } });
  };
}
