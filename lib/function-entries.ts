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
  Migrate: 'functions/migrate/handler.ts',
  AuthKeygen: 'functions/auth/keygen.ts',
  Scaler: 'functions/recordings/scaler.ts',
  RecordingsSweep: 'functions/recordings/reconcile.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_ENTRIES;

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
