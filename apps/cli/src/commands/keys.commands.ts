import { API_KEY_SCOPES, ApiKeyScope } from '@dbforge/contracts';
import { UsageError, need } from '../args';
import { Command } from '../command';
import { formatTable } from '../table';

export const keys: Command = {
  name: 'keys',
  usage: [
    { synopsis: 'keys mint <db> --scope read|read-write [--expires SECONDS] [--name NAME]' },
    { synopsis: 'keys list <db>' },
    { synopsis: 'keys revoke <db> <key_id>' },
  ],
  async run({ args, flags, client, print }) {
    const [action, db, id] = need(args, 2, 'keys mint|list|revoke <db> ...');
    if (action === 'mint') {
      const scope = flags.get('scope');
      if (!API_KEY_SCOPES.includes(scope as ApiKeyScope)) throw new UsageError('keys mint needs --scope read or --scope read-write');
      const expires = flags.get('expires');
      const name = flags.get('name');
      const result = await client.mintKey(db, {
        scope: scope as ApiKeyScope,
        expires_in_seconds: typeof expires === 'string' ? Number(expires) : undefined,
        name: typeof name === 'string' ? name : undefined,
      });
      print(result, () => `${result.key}\n(${result.id}, ${result.scope}, expires ${result.expires_at ?? 'never'}; shown only now)`);
      return 0;
    }
    if (action === 'list') {
      const result = await client.listKeys(db);
      print(result, () => formatTable(result as unknown as Record<string, unknown>[]));
      return 0;
    }
    if (action === 'revoke') {
      need(args, 3, 'keys revoke <db> <key_id>');
      const result = await client.revokeKey(db, id);
      print(result, () => `${result.message} (${result.id})`);
      return 0;
    }
    throw new UsageError(`unknown keys action "${action}"`);
  },
};
