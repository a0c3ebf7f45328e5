'use strict';
/*
 * Preloaded (--require) into the worker child process: Linux has no portable "die with parent" for Node, so if
 * the local cloud is SIGKILLed the worker notices it was re-parented and exits instead of polling dead ports.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
