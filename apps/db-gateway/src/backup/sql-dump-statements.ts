import { createReadStream } from 'node:fs';
import { scanSql } from '../data-plane/statements/sql-scanner';

/**
 * The statements of an SQL dump file, one at a time, read in chunks (a dump may be far larger than
 * a string can be). A `;` ends a statement when SQLite's own splitting would agree: the scanner
 * decides, so `;` inside strings, comments and CREATE TRIGGER bodies does not split.
 */
export async function* dumpStatements(file: string): AsyncGenerator<string> {
  let pending = '';
  let searchFrom = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
    pending += chunk;
    for (let end = pending.indexOf(';', searchFrom); end !== -1; end = pending.indexOf(';', searchFrom)) {
      const candidate = pending.slice(0, end + 1);
      // Something after the `;` counts as a second statement only when the `;` really ended the first.
      if (scanSql(`${candidate}\nX`).hasMoreStatements) {
        if (scanSql(candidate).firstKeyword !== '') yield candidate;
        pending = pending.slice(end + 1);
        searchFrom = 0;
      } else {
        searchFrom = end + 1;
      }
    }
  }
  if (scanSql(pending).firstKeyword !== '') yield pending;
}
