import { toPositional } from '../../../local/emulators/named-params';
import { jsonValue, parseArray } from '../../../local/emulators/pg-values';
import { bind } from '../../../local/emulators/rds-data-api';
import { failedIds } from '../../../local/events/sqs-poller';
import { evaluatePolicy } from '../../../local/gateway/authorizer-policy';
import { encodeS3EventKey } from '../../../local/standins/s3';
import { splitStatements } from '../../../functions/migrate/migrate';

describe('Data API placeholders', () => {
  it('maps :name to $n, reusing numbers and skipping literals, identifiers, comments, dollar quotes and casts', () => {
    const sql = `SELECT ':a', ":b", $q$:c$q$, x::int, :d, :d -- :e
      /* :f */ FROM t WHERE y = :g`;
    expect(toPositional(sql)).toEqual({
      text: `SELECT ':a', ":b", $q$:c$q$, x::int, $1, $1 -- :e
      /* :f */ FROM t WHERE y = $2`,
      names: ['d', 'g'],
    });
  });

  it('binds values with the types the Data API sends', () => {
    const { text, params } = bind('INSERT INTO t VALUES (:s, :n, :f, :b, :j, :u, :z, :bytes)', [
      { name: 's', value: { stringValue: 'x' } },
      { name: 'n', value: { longValue: 5 } },
      { name: 'f', value: { doubleValue: 0.5 } },
      { name: 'b', value: { booleanValue: false } },
      { name: 'j', value: { stringValue: '{}' }, typeHint: 'JSON' },
      { name: 'u', value: { stringValue: 'id' }, typeHint: 'UUID' },
      { name: 'z', value: { isNull: true } },
      { name: 'bytes', value: { blobValue: Buffer.from([255]).toString('base64') } },
    ]);
    expect(text).toBe(
      'INSERT INTO t VALUES ($1::varchar, $2::bigint, $3::double precision, $4::boolean, $5::json, $6::uuid, $7, $8::bytea)',
    );
    expect(params).toEqual(['x', '5', '0.5', 'false', '{}', 'id', null, '\\xff']);
  });

  it('refuses a missing parameter and array parameters with the Data API messages', () => {
    expect(() => bind('SELECT :a', [])).toThrow('No value specified for parameter: a');
    expect(() => bind('SELECT :a', [{ name: 'a', value: { arrayValue: {} } }])).toThrow(
      'Array parameters are not supported.',
    );
  });
});

describe('Data API JSON values', () => {
  it('shapes PostgreSQL text output by type', () => {
    expect(jsonValue('t', { name: 'b', dataTypeID: 16 })).toBe(true);
    expect(jsonValue('9007199254740991', { name: 'i', dataTypeID: 20 })).toBe(9007199254740991);
    expect(jsonValue('12.50', { name: 'n', dataTypeID: 1700 })).toBe('12.50');
    expect(jsonValue('2026-01-02 03:04:05.6+00', { name: 't', dataTypeID: 1184 })).toBe('2026-01-02 03:04:05.6');
    expect(jsonValue('NaN', { name: 'f', dataTypeID: 701 })).toBe('NaN');
    expect(jsonValue('\\x00ff', { name: 'y', dataTypeID: 17 })).toBe('AP8=');
    expect(jsonValue('{1,NULL,3}', { name: 'a', dataTypeID: 1007 })).toEqual([1, null, 3]);
    expect(jsonValue(null, { name: 'x', dataTypeID: 25 })).toBeNull();
  });

  it('parses quoted array elements with escapes', () => {
    expect(parseArray('{plain,"with space","quote \\" and \\\\",NULL,""}')).toEqual([
      'plain',
      'with space',
      'quote " and \\',
      null,
      '',
    ]);
    expect(parseArray('{}')).toEqual([]);
  });
});

describe('$connect authorizer policy', () => {
  const arn = 'arn:aws:execute-api:us-east-1:000000000000:local/peerjs/$connect';
  const policy = (effect: string, resource = arn, context?: unknown) => ({
    principalId: 'u1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  });

  it('allows only an Allow on the route (wildcards match), and an explicit Deny wins', () => {
    expect(evaluatePolicy(policy('Allow', 'arn:aws:execute-api:us-east-1:*:local/*'), arn)).toMatchObject({
      effect: 'allow',
    });
    expect(evaluatePolicy(policy('Allow', 'arn:aws:execute-api:us-east-1:1:other/*'), arn)).toMatchObject({
      effect: 'deny',
    });
    const both = policy('Allow');
    both.policyDocument.Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: '*' });
    expect(evaluatePolicy(both, arn)).toMatchObject({ effect: 'deny' });
  });

  it('treats malformed results and non-scalar context values as invalid (API Gateway answers 500)', () => {
    expect(evaluatePolicy(undefined, arn).effect).toBe('invalid');
    expect(evaluatePolicy({ policyDocument: {} }, arn).effect).toBe('invalid');
    expect(evaluatePolicy(policy('Allow', arn, { roles: ['host'] }), arn)).toMatchObject({ effect: 'invalid' });
    expect(evaluatePolicy(policy('Allow', arn, { sub: 's', n: 1, ok: true }), arn)).toEqual({
      effect: 'allow',
      principalId: 'u1',
      context: { sub: 's', n: 1, ok: true },
    });
  });
});

describe('SQS partial batch responses', () => {
  const messages = [{ MessageId: 'a' }, { MessageId: 'b' }];
  it('keeps only the reported failures; an unknown or empty id fails the whole batch', () => {
    expect(failedIds(undefined, messages)).toEqual(new Set());
    expect(failedIds({ batchItemFailures: [] }, messages)).toEqual(new Set());
    expect(failedIds({ batchItemFailures: [{ itemIdentifier: 'b' }] }, messages)).toEqual(new Set(['b']));
    expect(failedIds({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }, messages)).toEqual(new Set(['a', 'b']));
    expect(failedIds({ batchItemFailures: [{ itemIdentifier: '' }] }, messages)).toEqual(new Set(['a', 'b']));
  });
});

describe('S3 event keys', () => {
  it('encodes keys as S3 notifications do (space as +, slashes kept)', () => {
    expect(encodeS3EventKey('uploads/a b/ü(1)!.webm')).toBe('uploads/a+b/%C3%BC%281%29%21.webm');
  });
});

describe('migration files', () => {
  it('split into one statement per ;-terminated block, dropping comment-only chunks', () => {
    const text = `-- header\nCREATE TABLE a (x text DEFAULT 'a;b');\n\n-- note\nCREATE INDEX i ON a (x); -- trailing\nINSERT INTO a VALUES ('c')`;
    expect(splitStatements(text)).toEqual([
      "-- header\nCREATE TABLE a (x text DEFAULT 'a;b')",
      '-- note\nCREATE INDEX i ON a (x)',
      "INSERT INTO a VALUES ('c')",
    ]);
  });
});
