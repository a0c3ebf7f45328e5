import { ReplyError } from 'ioredis';
import { CROSSSLOT_MESSAGE, createRedisEmulation } from '../../../functions/shared/redis-emulation';

// ElastiCache Serverless (Valkey, cluster mode) refuses a request whose keys span hash slots; the in-process
// emulation must refuse it too, or a cross-slot MULTI passes every local test and fails only in AWS.
describe('in-process Redis emulation', () => {
  const redis = createRedisEmulation({ keyPrefix: `emu-${Date.now()}:` });
  afterAll(() => redis.disconnect());

  it('refuses a MULTI whose keys span slots with the CROSSSLOT error, and writes nothing', async () => {
    const attempt = redis.multi().set('a', '1').set('b', '2').exec();
    await expect(attempt).rejects.toThrow(new ReplyError(CROSSSLOT_MESSAGE));
    await expect(attempt).rejects.toBeInstanceOf(ReplyError);
    expect(await redis.exists('a')).toBe(0);
  });

  it('runs a MULTI whose keys share a hash tag', async () => {
    const replies = await redis.multi().set('{room:1}:a', '1').incr('{room:1}:b').exec();
    expect(replies).toEqual([
      [null, 'OK'],
      [null, 1],
    ]);
  });

  it('refuses multi-key commands across slots and allows them within one', async () => {
    await expect(redis.del('a', 'b')).rejects.toThrow(CROSSSLOT_MESSAGE);
    await expect(redis.mset({ a: '1', b: '2' })).rejects.toThrow(CROSSSLOT_MESSAGE);
    await expect(redis.sunionstore('x', 'y', 'z')).rejects.toThrow(CROSSSLOT_MESSAGE);
    await redis.mset({ '{t}:a': '1', '{t}:b': '2' });
    expect(await redis.mget('{t}:a', '{t}:b')).toEqual(['1', '2']);
    expect(await redis.del('{t}:a', '{t}:b')).toBe(2);
  });

  it('refuses a Lua script whose KEYS span slots', async () => {
    const script = "return redis.call('get', KEYS[1])";
    await expect(redis.eval(script, 2, 'a', 'b')).rejects.toThrow(CROSSSLOT_MESSAGE);
    await redis.set('{s}:a', 'v');
    expect(await redis.eval(script, 2, '{s}:a', '{s}:b')).toBe('v');
  });

  it('lets single-key commands and plain pipelines touch any slot (one endpoint serves all slots)', async () => {
    await redis.set('p', '1');
    const replies = await redis.pipeline().get('p').get('q').exec();
    expect(replies).toEqual([
      [null, '1'],
      [null, null],
    ]);
  });
});
