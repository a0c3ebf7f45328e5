import { join } from 'node:path';
import {
  CONTAINER_FUNCTIONS,
  FUNCTION_ENTRIES,
  FUNCTION_SETTINGS,
  type AnyFunctionName,
} from '../../lib/function-entries';

/**
 * The Lambda functions of docs/contracts.md, by logical name (the name the Invoke emulator answers to): the CDK
 * app's own table (lib/function-entries.ts), less AuthKeygen, a deploy-time custom resource that `npm start`
 * replaces with its own key set-up.
 */
export const FUNCTION_MODULES = {
  ...withoutKeygen(FUNCTION_ENTRIES),
  ...Object.fromEntries(Object.entries(CONTAINER_FUNCTIONS).map(([name, f]) => [name, f.entry])),
} as Record<Exclude<AnyFunctionName, 'AuthKeygen'>, string>;

export type FunctionName = keyof typeof FUNCTION_MODULES;

function withoutKeygen<T extends Record<string, string>>(entries: T): Omit<T, 'AuthKeygen'> {
  const { AuthKeygen: _keygen, ...rest } = entries;
  return rest;
}

/**
 * Timeouts as the stacks deploy them (FUNCTION_SETTINGS, seconds): a handler that would time out in AWS times out
 * here too. Nothing runs one at a time: no function has reserved concurrency in AWS (new accounts cannot reserve
 * any), so serial work (the Scaler) is serialized by its lease, as there.
 */
export const FUNCTION_TIMEOUT_SECONDS = Object.fromEntries(
  Object.keys(FUNCTION_MODULES).map((name) => [name, FUNCTION_SETTINGS[name as FunctionName].timeoutSeconds]),
) as Record<FunctionName, number>;

export const REPO_ROOT = join(__dirname, '..', '..');

export function isFunctionName(name: string): name is FunctionName {
  return Object.prototype.hasOwnProperty.call(FUNCTION_MODULES, name);
}
