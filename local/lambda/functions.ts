import { join } from 'node:path';

/** The Lambda functions of docs/contracts.md, by logical name (the name the Invoke emulator answers to). */
export const FUNCTION_MODULES = {
  WsAuthorizer: 'functions/auth/ws-authorizer.ts',
  WsConnect: 'functions/signaling/connect.ts',
  WsDisconnect: 'functions/signaling/disconnect.ts',
  PeerOpener: 'functions/signaling/opener.ts',
  SignalRelay: 'functions/signaling/relay.ts',
  RoomSocket: 'functions/room/socket.ts',
  HttpApi: 'functions/api/handler.ts',
  Migrate: 'functions/migrate/handler.ts',
  Transcode: 'functions/recordings/transcode.ts',
  Scaler: 'functions/recordings/scaler.ts',
  BurnIn: 'functions/recordings/burn-in.ts',
  RecordingsSweep: 'functions/recordings/reconcile.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_MODULES;

/**
 * Timeouts as the CDK stacks set them (seconds). The API Gateway integrations cut off at 29 s whatever the
 * function's own timeout is, so the gateway-facing functions use that.
 */
export const FUNCTION_TIMEOUT_SECONDS: Record<FunctionName, number> = {
  WsAuthorizer: 10,
  WsConnect: 29,
  WsDisconnect: 29,
  PeerOpener: 30,
  SignalRelay: 29,
  RoomSocket: 29,
  HttpApi: 29,
  Migrate: 300,
  Transcode: 900,
  Scaler: 60,
  BurnIn: 900,
  RecordingsSweep: 300,
};

/**
 * Functions the stacks give a reserved concurrency of 1 (lib/stacks/media-stack.ts): the Scaler makes one scaling
 * decision at a time, so the schedule and the enqueue pokes never race on its job log. In AWS the extra async
 * invocations wait in Lambda's event queue; the local runtime runs them one after another.
 */
export const SERIAL_FUNCTIONS: ReadonlySet<FunctionName> = new Set<FunctionName>(['Scaler']);

export const REPO_ROOT = join(__dirname, '..', '..');

export function isFunctionName(name: string): name is FunctionName {
  return Object.prototype.hasOwnProperty.call(FUNCTION_MODULES, name);
}
