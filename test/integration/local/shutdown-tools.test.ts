import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool, stopRunningTools, ToolError } from '../../../functions/recordings/media-tools';
import { startLocalCloud, type LocalCloud } from '../../../local/cloud';

/*
 * Stopping the local cloud (Ctrl-C on `npm start`, a test suite's end) while the Transcode function still runs
 * ffmpeg: the tool ends with the cloud, as every process a function started ends with its Lambda execution
 * environment. Before, the drain gave it 5 s and then left it running: it outlived the cloud for minutes, holding a
 * core (in the full test run, the recording suites' transcodes ran on under the suites that came after them).
 */
let dataDir: string;
let cloud: LocalCloud | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cn-shutdown-tools-'));
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('ends a media tool an unfinished invocation still runs when the cloud stops', async () => {
  cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false, buildFrontend: false });
  // What the Transcode function does with ffmpeg (through the same runTool), here a tool that would run a minute.
  const transcode = runTool('sleep', ['60']).then(
    () => 'finished',
    (error: unknown) => error,
  );

  await cloud.stop();
  cloud = undefined;

  const error = await transcode;
  expect(error).toBeInstanceOf(ToolError);
  expect((error as ToolError).message).toBe('sleep was stopped because the local cloud stopped');
  expect(stopRunningTools('again')).toBe(0);
}, 120_000);

it('leaves tools alone that finish on their own, and says why a tool that ran out of time was stopped', async () => {
  await expect(runTool('sh', ['-c', 'echo done'])).resolves.toEqual({ stdout: 'done\n', stderr: '' });
  await expect(runTool('sleep', ['60'], { timeoutMs: 200 })).rejects.toThrow('sleep was stopped after 200 ms');
  expect(stopRunningTools('for nothing')).toBe(0);
});
