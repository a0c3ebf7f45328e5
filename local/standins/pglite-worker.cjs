'use strict';
/*
 * PGlite in a worker thread. PGlite loads its WebAssembly with dynamic import(), which jest's VM refuses without
 * --experimental-vm-modules; a worker runs outside that VM, so the local cloud works the same under tsx and under
 * jest. Plain CommonJS on purpose: a worker gets no TypeScript loader. Protocol: {id, op, sql, params} in,
 * {id, result} or {id, error} out; every value comes back as PostgreSQL's text output.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite, types } = require('@electric-sql/pglite');

async function main() {
  const db = await PGlite.create(workerData.dataDir ? { dataDir: workerData.dataDir } : {});
  await db.exec("SET TimeZone = 'UTC'");
  const identity = (x) => x;
  const oids = new Set([
    ...Object.values(types).filter((v) => typeof v === 'number'),
    ...Object.keys(db.parsers || {}).map(Number),
  ]);
  const parsers = Object.fromEntries([...oids].filter((o) => Number.isInteger(o)).map((o) => [o, identity]));
  // Parameters arrive as PostgreSQL text already ('true', '\\x00ff', '2026-…'); PGlite's own serializers would
  // re-encode them by type (a bytea wants a Uint8Array, a bool treats 'false' as truthy).
  const serializers = parsers;

  parentPort.on('message', async (message) => {
    const { id, op } = message;
    try {
      if (op === 'close') {
        await db.close();
        parentPort.postMessage({ id, result: null });
        return;
      }
      const result = await db.query(message.sql, message.params, { rowMode: 'array', parsers, serializers });
      parentPort.postMessage({
        id,
        result: {
          fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
          rows: result.rows.map((row) => row.map((v) => (v === null || v === undefined ? null : String(v)))),
          affectedRows: result.affectedRows || 0,
        },
      });
    } catch (error) {
      parentPort.postMessage({
        id,
        error: {
          message: String(error && error.message),
          code: error && error.code,
          detail: error && error.detail,
          hint: error && error.hint,
          position: error && error.position,
        },
      });
    }
  });
  parentPort.postMessage({ ready: true });
}

main().catch((error) => {
  parentPort.postMessage({ fatal: String((error && error.stack) || error) });
});
