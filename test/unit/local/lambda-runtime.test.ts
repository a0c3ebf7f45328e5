import { join } from 'node:path';
import { FUNCTION_SETTINGS } from '../../../lib/function-entries';
import { FUNCTION_MODULES, FUNCTION_TIMEOUT_SECONDS, type FunctionName } from '../../../local/lambda/functions';
import {
  FunctionTimeoutError,
  LambdaRuntime,
  RequestTooLargeError,
  ResponseTooLargeError,
} from '../../../local/lambda/runtime';
import { LAMBDA_PAYLOAD_LIMITS } from '../../../functions/shared/lambda-limits';

const SLOW = join(__dirname, 'fixtures', 'slow-handler.ts');
const FAILING = join(__dirname, 'fixtures', 'failing-handler.ts');
const SIZED = join(__dirname, 'fixtures', 'sized-handler.ts');

describe('local Lambda runtime: as strict as Lambda about time', () => {
  it('runs every function of the CDK app with the timeout the stacks deploy (one table)', () => {
    for (const name of Object.keys(FUNCTION_MODULES) as FunctionName[]) {
      expect([name, FUNCTION_TIMEOUT_SECONDS[name]]).toEqual([name, FUNCTION_SETTINGS[name].timeoutSeconds]);
    }
    // WsConnect is 10 s in AWS; the local runtime once gave it 29 s.
    expect(FUNCTION_TIMEOUT_SECONDS.WsConnect).toBe(10);
  });

  describe('with a clock the test moves', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('cuts a handler off at its configured timeout with Lambda’s message', async () => {
      const runtime = new LambdaRuntime({ region: 'us-east-1', modules: { WsConnect: SLOW }, log: () => undefined });
      const limit = FUNCTION_SETTINGS.WsConnect.timeoutSeconds * 1000;
      const slow = runtime.invoke('WsConnect', { ms: limit + 1000 });
      const outcome = slow.then(
        () => 'finished',
        (error: unknown) => error,
      );
      await jest.advanceTimersByTimeAsync(limit + 1);
      const error = await outcome;
      expect(error).toBeInstanceOf(FunctionTimeoutError);
      expect((error as Error).message).toBe('WsConnect: Task timed out after 10.00 seconds');
    });

    it('lets a handler that finishes in time return its result', async () => {
      const runtime = new LambdaRuntime({ region: 'us-east-1', modules: { WsConnect: SLOW }, log: () => undefined });
      const quick = runtime.invoke('WsConnect', { ms: 9000 });
      await jest.advanceTimersByTimeAsync(9001);
      await expect(quick).resolves.toBe('done');
    });
  });
});

describe('local Lambda runtime: as strict as Lambda about payload sizes', () => {
  const MB = 1024 * 1024;
  const runtime = () => new LambdaRuntime({ region: 'us-east-1', modules: { HttpApi: SIZED }, log: () => undefined });

  it('returns a result just under 6 MB and answers one over it with Lambda’s ResponseSizeTooLarge function error', async () => {
    const r = runtime();
    await expect(r.invoke('HttpApi', { bytes: 6 * MB - 100 })).resolves.toHaveLength(6 * MB - 100);
    const error = await r.invoke('HttpApi', { bytes: LAMBDA_PAYLOAD_LIMITS.syncBytes }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as Error).name).toBe('Function.ResponseSizeTooLarge');
    expect(r.describe().HttpApi).toMatchObject({ invocations: 2, errors: 1 });
  });

  it('refuses an event over 6 MB, or over 1 MB for an asynchronous invocation, without running the function', async () => {
    const r = runtime();
    const big = { bytes: 1, padding: 'p'.repeat(LAMBDA_PAYLOAD_LIMITS.syncBytes) };
    await expect(r.invoke('HttpApi', big)).rejects.toBeInstanceOf(RequestTooLargeError);
    expect(() => r.invokeAsync('HttpApi', { padding: 'p'.repeat(LAMBDA_PAYLOAD_LIMITS.asyncBytes) })).toThrow(
      RequestTooLargeError,
    );
    expect(r.describe().HttpApi!.invocations).toBe(0);
  });
});

describe('local Lambda runtime: async invocations and the stop', () => {
  it('logs a failure while it runs as an error, with the retry Lambda makes', async () => {
    const log = jest.fn();
    const note = jest.fn();
    const runtime = new LambdaRuntime({
      region: 'us-east-1',
      modules: { PeerOpener: FAILING },
      asyncRetryDelaysMs: [10],
      log,
      note,
    });
    runtime.invokeAsync('PeerOpener', { ms: 0 });
    for (let i = 0; i < 200 && log.mock.calls.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(log.mock.calls.map(([line]) => line)).toEqual([
      expect.stringMatching(/^PeerOpener async invocation failed \(attempt 1\), will retry: /),
      expect.stringMatching(/^PeerOpener async invocation failed \(attempt 2\): /),
    ]);
    expect(note).not.toHaveBeenCalled();
  });

  it('only notes an invocation the stop ended (a green test run prints nothing), and retries nothing after it', async () => {
    const log = jest.fn();
    const note = jest.fn();
    const runtime = new LambdaRuntime({ region: 'us-east-1', modules: { PeerOpener: FAILING }, log, note });
    runtime.invokeAsync('PeerOpener', { ms: 50 });
    await new Promise((r) => setTimeout(r, 10)); // running when the stop comes
    await runtime.drain(2000);
    expect(note.mock.calls.map(([line]) => line)).toEqual([
      'PeerOpener async invocation ended by the stop, not retried: Error: ffmpeg was stopped because the local cloud stopped',
    ]);
    expect(log).not.toHaveBeenCalled();
  });
});
