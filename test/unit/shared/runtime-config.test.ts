import { runtimeConfigFile, runtimeConfigSchema } from '../../../functions/shared/protocol/runtime-config';
import { runtimeConfigSchema as pageSchema } from '../../../frontend/src/config';
import { runtimeConfig } from '../../../local/function-env';

// config.json has three writers' worth of risk: CDK writes it in AWS, the local gateway on a laptop, and the page
// reads it. One schema serves all three, so a writer cannot produce a file the page refuses.
describe('config.json has one shape for every writer and the page', () => {
  it('is the very schema the page parses with', () => {
    expect(pageSchema).toBe(runtimeConfigSchema);
  });

  it('accepts what the local gateway writes, with the defaults filled in', () => {
    const file = runtimeConfig();
    expect(runtimeConfigSchema.parse(file)).toEqual(file);
    expect(file.wsUrl.startsWith('/')).toBe(true);
  });

  it('refuses, with the offending field named, a file the page could not use', () => {
    expect(() =>
      runtimeConfigFile({ apiBase: '/api', wsUrl: 'https://evil.example', peer: { key: 'peerjs' } }),
    ).toThrow(/config\.json would be refused by the page: wsUrl: wsUrl must be a ws:\/\/ or wss:\/\/ URL/);
    expect(() => runtimeConfigFile({ apiBase: '', wsUrl: '/peerjs', peer: { key: 'peerjs' } })).toThrow(/apiBase/);
    expect(() =>
      runtimeConfigFile({ apiBase: '/api', wsUrl: '/peerjs', peer: { key: 'peerjs', pingInterval: -5 } }),
    ).toThrow(/peer\.pingInterval/);
  });
});
