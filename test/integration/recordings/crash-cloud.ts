import { startLocalCloud } from '../../../local/cloud';

/*
 * The local cloud as `npm start` runs it (stand-ins, functions, the Whisper worker child, start-up reconciliation),
 * in a process of its own so that crash-soak.test.ts can SIGKILL it for real. Unlike local/main.ts it builds no
 * frontend (the test drives the HTTP API as the page does) and prints one line the test waits for.
 * Settings come from the environment: PORT, DATA_DIR, DATABASE_URL.
 */
startLocalCloud({ port: Number(process.env.PORT), buildFrontend: false, quiet: true, worker: true }).then(
  (cloud) => console.log(`crash-cloud ready at ${cloud.url}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
