import { DbForgeError, hasRows } from '@dbforge/client';
import { SqlParams, StatementDto } from '@dbforge/contracts';
import { UsageError, need, parseJson } from '../args';
import { Command } from '../command';
import { formatRows, rowCount } from '../table';

export const query: Command = {
  name: 'query',
  usage: [
    {
      synopsis: 'query <db> [SQL] [--file F] [--params JSON] [--format ndjson|csv]',
      summary: ['run one statement (SQL from the argument, a file, or stdin);', "--format streams a read's rows as they are read, uncapped"],
    },
  ],
  async run({ args, flags, client, io, print, text }) {
    const [db, inline] = need(args, 1, 'query <db> [SQL] [--file F] [--params JSON]');
    const sql = await text(inline, 'the SQL');
    const rawParams = flags.get('params');
    const params = typeof rawParams === 'string' ? parseJson<SqlParams>(rawParams, '--params') : undefined;
    const format = flags.get('format');
    if (format !== undefined) {
      if (format !== 'ndjson' && format !== 'csv') throw new UsageError('--format must be ndjson or csv');
      const body = await client.streamQuery(db, sql.trim(), params, format);
      try {
        for await (const chunk of body) await io.stream(chunk);
      } catch (error) {
        throw new DbForgeError(0, 'NETWORK_ERROR', `The stream broke off: ${error instanceof Error ? error.message : String(error)}`);
      }
      return 0;
    }
    const result = await client.query(db, sql.trim(), params);
    print(result, () =>
      hasRows(result)
        ? formatRows(result.data, `${rowCount(result.rows_affected)}${result.truncated ? `; ${result.message}` : ''}`)
        : `${result.message} rows_affected=${result.rows_affected} last_insert_id=${result.last_insert_id}`,
    );
    return 0;
  },
};

export const transaction: Command = {
  name: 'transaction',
  usage: [{ synopsis: 'transaction <db> [JSON] [--file F] [--read-only]', summary: ['statements [{"sql":..., "params":...}, ...] all or none'] }],
  async run({ args, flags, client, print, text }) {
    const [db, inline] = need(args, 1, 'transaction <db> [JSON] [--file F] [--read-only]');
    const statements = parseJson<StatementDto[]>(await text(inline, 'the statements'), 'the statements');
    const result = await client.transaction(db, statements, { readOnly: flags.has('read-only') });
    print(result, () =>
      result.results
        .map((item, index) => `#${index + 1} ${hasRows(item) ? formatRows(item.data, rowCount(item.rows_affected)) : `${item.message} rows_affected=${item.rows_affected}`}`)
        .join('\n'),
    );
    return 0;
  },
};
