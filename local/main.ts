import { join } from 'node:path';
import { startLocalCloud } from './cloud';
import { REPO_ROOT } from './lambda/functions';
import { describe } from './lambda/runtime';

/** `npm start`: the whole product at http://localhost:8080 (PORT overrides) until Ctrl-C. */
async function main(): Promise<void> {
  const cloud = await startLocalCloud({
    port: process.env.PORT === undefined ? 8080 : Number(process.env.PORT),
    frontendDir: join(REPO_ROOT, 'dist', 'frontend'),
    worker: process.env.LOCAL_WORKER !== 'false',
  });
  let stoppingSince = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stoppingSince) {
      // One Ctrl-C arrives more than once: the terminal signals the whole process group (npm and node), and npm
      // relays it to node as well. Only a second Ctrl-C, later, means "stop waiting"; a repeated SIGTERM (a
      // supervisor, or npm's relay arriving late on a busy machine) never skips the clean stop, which releases the
      // data folder's lock and checkpoints PGlite. SIGKILL is the way to stop without cleaning up.
      if (signal !== 'SIGINT' || Date.now() - stoppingSince < 2000) return;
      console.error(`${signal} again: exiting without a clean shutdown`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping…`);
    cloud.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(describe(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error instanceof Error && error.name !== 'Error' ? error.message : describe(error));
  if (process.env.DEBUG) console.error(error);
  process.exit(1);
});
