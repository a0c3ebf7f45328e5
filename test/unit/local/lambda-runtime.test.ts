import { join } from 'node:path';
import { FUNCTION_SETTINGS } from '../../../lib/function-entries';
import { FUNCTION_MODULES, FUNCTION_TIMEOUT_SECONDS, type FunctionName } from '../../../local/lambda/functions';
import { FunctionTimeoutError, LambdaRuntime } from '../../../local/lambda/runtime';

const SLOW = join(__dirname, 'fixtures', 'slow-handler.ts');

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
