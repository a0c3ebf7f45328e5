import { PASSWORD_DICTIONARY_PACKAGE } from '../functions/auth/password-dictionary';
import { AVATAR_API_PATH } from '../functions/shared/protocol/avatars';

/**
 * Every Node.js Lambda's handler module (docs/contracts.md, "Lambda functions"), by logical name. The stacks and
 * `npm run build:functions` read this one table, so the size report covers exactly what deploys.
 */
export const FUNCTION_ENTRIES = {
  WsAuthorizer: 'functions/auth/ws-authorizer.ts',
  WsConnect: 'functions/signaling/connect.ts',
  WsDisconnect: 'functions/signaling/disconnect.ts',
  PeerOpener: 'functions/signaling/opener.ts',
  SignalRelay: 'functions/signaling/relay.ts',
  RoomSocket: 'functions/room/socket.ts',
  HttpApi: 'functions/api/handler.ts',
  Avatar: 'functions/avatars/handler.ts',
  Migrate: 'functions/migrate/handler.ts',
  AuthKeygen: 'functions/auth/keygen.ts',
  Scaler: 'functions/recordings/scaler.ts',
  RecordingsSweep: 'functions/recordings/reconcile.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/**
 * HTTP API routes served by a function of their own instead of HttpApi's `ANY /api/{proxy+}` (API Gateway picks
 * the most specific route): ApiStack creates exactly these, and the local gateway dispatches by the same table.
 */
export const HTTP_FUNCTION_ROUTES: readonly { method: 'PUT' | 'DELETE'; path: string; fn: FunctionName }[] = [
  { method: 'PUT', path: AVATAR_API_PATH, fn: 'Avatar' },
  { method: 'DELETE', path: AVATAR_API_PATH, fn: 'Avatar' },
];

/**
 * npm packages a function loads at run time instead of from its bundle, copied beside index.mjs with their
 * dependencies (lib/constructs/native-modules.ts): sharp's libvips is a native binary that esbuild cannot bundle,
 * and zxcvbn's common-password dictionary (≈ 420 KiB) is loaded only by the requests that judge a new password,
 * so the HTTP API's cold start no longer compiles it (functions/auth/passwords.ts).
 */
export const FUNCTION_RUNTIME_MODULES: Partial<Record<FunctionName, readonly string[]>> = {
  Avatar: ['sharp'],
  HttpApi: [PASSWORD_DICTIONARY_PACKAGE],
};

/**
 * Functions that run FFmpeg ship as one container image (containers/transcode): FFmpeg does not fit a zip bundle
 * comfortably. The image's default CMD runs Transcode; BurnIn runs the same image with its own CMD.
 */
export const CONTAINER_FUNCTIONS = {
  Transcode: { entry: 'functions/recordings/transcode.ts', image: 'containers/transcode', cmd: undefined },
  BurnIn: { entry: 'functions/recordings/burn-in.ts', image: 'containers/transcode', cmd: ['burn-in.handler'] },
} as const;

/** Directories a function reads at run time, copied beside its index.mjs (`__dirname/<basename>`). */
export const FUNCTION_ASSET_DIRECTORIES: Partial<Record<FunctionName, string[]>> = {
  Migrate: ['functions/migrate/migrations'],
};

export type ContainerFunctionName = keyof typeof CONTAINER_FUNCTIONS;
export type AnyFunctionName = FunctionName | ContainerFunctionName;

export interface FunctionSettings {
  timeoutSeconds: number;
  memoryMb: number;
}

/**
 * Timeout and memory of every function, in one place: the stacks deploy exactly these (HouseFunction and the
 * container functions read them; an infra test compares the synthesized templates), and the local Lambda runtime
 * enforces the same timeouts (local/lambda/functions.ts), so a handler that would time out in AWS times out on a
 * laptop too.
 */
export const FUNCTION_SETTINGS: Record<AnyFunctionName, FunctionSettings> = {
  WsAuthorizer: { timeoutSeconds: 10, memoryMb: 1024 },
  WsConnect: { timeoutSeconds: 10, memoryMb: 1024 },
  // Database functions answering API Gateway: 29 s is the integration's cut-off, and an Aurora resume must fit.
  WsDisconnect: { timeoutSeconds: 29, memoryMb: 1024 },
  PeerOpener: { timeoutSeconds: 10, memoryMb: 1024 },
  SignalRelay: { timeoutSeconds: 10, memoryMb: 1024 },
  RoomSocket: { timeoutSeconds: 29, memoryMb: 1024 },
  HttpApi: { timeoutSeconds: 29, memoryMb: 1024 },
  // Decoding and resizing a 4 MiB picture is CPU work, and Lambda grants CPU with memory (1.5 GB ≈ one full vCPU).
  Avatar: { timeoutSeconds: 29, memoryMb: 1536 },
  Migrate: { timeoutSeconds: 300, memoryMb: 1024 },
  AuthKeygen: { timeoutSeconds: 30, memoryMb: 1024 },
  // The lease wait (up to half the time left) plus a run of a second or two.
  Scaler: { timeoutSeconds: 60, memoryMb: 1024 },
  // Aurora may be paused: the first Data API call waits for it to resume.
  RecordingsSweep: { timeoutSeconds: 120, memoryMb: 1024 },
  // FFmpeg is CPU-bound and Lambda grants CPU in proportion to memory (~2 vCPU at 3 GB); 15 min is Lambda's cap.
  Transcode: { timeoutSeconds: 900, memoryMb: 3008 },
  BurnIn: { timeoutSeconds: 900, memoryMb: 3008 },
};
