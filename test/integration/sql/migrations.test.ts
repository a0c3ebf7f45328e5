import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { handler } from '../../../functions/migrate/handler';
import { loadMigrations, MigrationChecksumError, runMigrations } from '../../../functions/migrate/migrate';
import { setSqlForTesting } from '../../../functions/shared/sql/sql';
import { dataApiOver, type DataApiTarget } from './data-api-harness';

/* The migration runner (npm start and the CloudFormation custom resource) through the Data API, on both backends. */
const backends: DataApiTarget[] = [];

beforeAll(async () => {
  backends.push(...(await Promise.all([dataApiOver('pglite'), dataApiOver('postgres')])));
}, 120_000);

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

it.each([0, 1])(
  'applies the repository migrations once and skips them after (backend %i)',
  async (i) => {
    const { sql } = backends[i]!;
    const all = loadMigrations();
    expect(all.map((m) => m.version)).toEqual([...all.map((m) => m.version)].sort());
    const first = await runMigrations(sql, all);
    expect(first.applied).toEqual(all.map((m) => m.version));
    const second = await runMigrations(sql, all);
    expect(second).toEqual({ applied: [], alreadyApplied: all.map((m) => m.version) });
    const recorded = await sql.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(recorded.map((r) => r.version)).toEqual(all.map((m) => m.version));
    // Every repository migration, twice, through the emulator: more than jest's 5 s on the shared cores.
  },
  60_000,
);

it.each([0, 1])('rolls back a failing migration whole and refuses an edited one (backend %i)', async (i) => {
  const { sql } = backends[i]!;
  const dir = mkdtempSync(join(tmpdir(), 'cn-migrations-'));
  try {
    writeFileSync(join(dir, '9001_good.sql'), 'CREATE TABLE probe_good (id integer PRIMARY KEY);\n');
    writeFileSync(
      join(dir, '9002_bad.sql'),
      '-- half of this must not stay behind\nCREATE TABLE probe_half (id integer);\nSELECT no_such_function();\n',
    );
    await expect(runMigrations(sql, loadMigrations(dir))).rejects.toThrow(/no_such_function/);
    const tables = await sql.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'probe_%' ORDER BY 1",
    );
    expect(tables).toEqual([{ name: 'probe_good' }]);

    writeFileSync(join(dir, '9001_good.sql'), 'CREATE TABLE probe_good (id bigint PRIMARY KEY);\n');
    await expect(runMigrations(sql, loadMigrations(dir))).rejects.toBeInstanceOf(MigrationChecksumError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('Migrate custom resource handler', () => {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/data/1',
    RequestId: 'r-1',
    LogicalResourceId: 'Migrations',
    ResourceType: 'Custom::Migrations',
    ResourceProperties: { ServiceToken: 'x' },
  };

  afterEach(() => setSqlForTesting(undefined));

  it('migrates on Create/Update and reports the latest version; Delete keeps the data', async () => {
    const target = await dataApiOver('postgres');
    try {
      setSqlForTesting(target.sql);
      const created = await handler({ ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent);
      const versions = loadMigrations().map((m) => m.version);
      expect(created).toEqual({
        PhysicalResourceId: 'schema-migrations',
        Data: { applied: versions.join(','), latest: versions.at(-1) },
      });
      const updated = await handler({
        ...base,
        RequestType: 'Update',
        PhysicalResourceId: 'schema-migrations',
        OldResourceProperties: {},
      } as CloudFormationCustomResourceEvent);
      expect(updated).toEqual({
        PhysicalResourceId: 'schema-migrations',
        Data: { applied: '', latest: versions.at(-1) },
      });
      const deleted = await handler({
        ...base,
        RequestType: 'Delete',
        PhysicalResourceId: 'schema-migrations',
      } as CloudFormationCustomResourceEvent);
      expect(deleted).toEqual({ PhysicalResourceId: 'schema-migrations' });
      expect(await target.sql.query('SELECT count(*)::int AS n FROM schema_migrations')).toEqual([
        { n: versions.length },
      ]);
    } finally {
      await target.close();
    }
    // Every repository migration through the emulator (as above): past jest's 5 s on a loaded machine.
  }, 60_000);
});
