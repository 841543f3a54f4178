import { Command } from '../command';

export const ping: Command = {
  name: 'ping',
  usage: [{ synopsis: 'ping', summary: ['the greeting (v1 get_root)'] }],
  async run({ client, print }) {
    const result = await client.ping();
    print(result, () => result.message);
    return 0;
  },
};

export const health: Command = {
  name: 'health',
  usage: [{ synopsis: 'health', summary: ['readiness report'] }],
  async run({ client, print }) {
    const result = await client.ready();
    print(result, () => Object.entries(result.details).map(([name, check]) => `${check.status === 'up' ? 'up  ' : 'DOWN'} ${name}: ${check.detail ?? ''}`).join('\n'));
    // Not ready is a failure for scripts, though the report printed fine.
    return result.status === 'ok' ? 0 : 1;
  },
};
