import './env';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamo } from '../../../functions/shared/aws-clients';
import { DynamoConnectionRegistry } from '../../../functions/signaling/connection-registry';

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('DynamoConnectionRegistry (commands it sends)', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const registry = new DynamoConnectionRegistry(dynamo(), 'table');
  const now = Math.floor(Date.now() / 1000);
  beforeEach(() => ddb.reset());
  afterAll(() => ddb.restore());

  it('claims with a condition that lets only a free id, the same identity or an expired binding through', async () => {
    ddb.on(PutCommand).resolves({});
    await expect(
      registry.claimPeerId({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u1', role: 'member' }),
    ).resolves.toBe('claimed');
    const input = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('attribute_not_exists(pk) OR #sub = :sub OR #ttl < :now');
    expect(input.Item).toMatchObject({ pk: 'PEER#alice', connectionId: 'c1', roomId: 'r', sub: 'u1', role: 'member' });
    expect(input.ReturnValues).toBe('ALL_OLD');
  });

  it('reports a rebind (with the previous socket) when the same identity held a live binding', async () => {
    ddb.on(PutCommand).resolves({ Attributes: { sub: 'u1', connectionId: 'c0', ttl: now + 100 } });
    await expect(
      registry.claimPeerIdDetailed({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u1' }),
    ).resolves.toEqual({ result: 'rebound', previousConnectionId: 'c0' });
  });

  it('treats an expired binding of someone else as a fresh claim', async () => {
    ddb.on(PutCommand).resolves({ Attributes: { sub: 'u9', connectionId: 'c0', ttl: now - 100 } });
    await expect(registry.claimPeerId({ peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u1' })).resolves.toBe(
      'claimed',
    );
  });

  it('maps a failed condition to "taken" and lets other errors through', async () => {
    ddb.on(PutCommand).rejectsOnce(conditionFailed()).rejectsOnce(new Error('throttled'));
    const input = { peerId: 'alice', connectionId: 'c1', roomId: 'r', sub: 'u2' };
    await expect(registry.claimPeerId(input)).resolves.toBe('taken');
    await expect(registry.claimPeerId(input)).rejects.toThrow('throttled');
  });

  it('releases only when the binding still names this connection', async () => {
    ddb.on(DeleteCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    await expect(registry.releasePeerId('alice', 'c1')).resolves.toBe(true);
    await expect(registry.releasePeerId('alice', 'c1')).resolves.toBe(false);
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'PEER#alice' },
      ConditionExpression: '#c = :c',
      ExpressionAttributeValues: { ':c': 'c1' },
    });
  });

  it('follows LastEvaluatedKey through every page of the byRoom index', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'CONN#a', connectionId: 'a', kind: 'peer' }], LastEvaluatedKey: { pk: 'CONN#a' } })
      .resolvesOnce({ Items: [{ pk: 'CONN#b', connectionId: 'b', kind: 'peer' }] });
    const records = await registry.listRoom('r', 'peer');
    expect(records).toEqual([
      { connectionId: 'a', kind: 'peer' },
      { connectionId: 'b', kind: 'peer' },
    ]);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({ IndexName: 'byRoom', FilterExpression: '#kind = :k' });
    expect(calls[1]!.ExclusiveStartKey).toEqual({ pk: 'CONN#a' });
  });
});
