import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { TableShape, affinityOf } from './rows-query';
import { quoteIdentifier } from './sql-identifiers';

/**
 * The table's columns with their affinities and the key that orders its rows stably: `rowid` (or `_rowid_`
 * / `oid` when columns shadow it), the primary key of a WITHOUT ROWID table, nothing for a view.
 * A missing table fails as v1 did (`SQL Error: no such table: t`).
 */
export async function tableShapeOf(connection: SqliteConnection, table: string): Promise<TableShape> {
  const columns = await connection.all('SELECT name, type, pk FROM pragma_table_info(?)', [table]);
  if (columns.length === 0) throw new DomainError(ErrorCode.TABLE_NOT_FOUND, `SQL Error: no such table: ${table}`);
  const [listed] = await connection.all("SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", [table]);
  const names = new Set(columns.map((column) => String(column.name)));
  let rowKey: string[] = [];
  if (listed?.type === 'table' && Number(listed.wr) === 1) {
    rowKey = columns
      .filter((column) => Number(column.pk) > 0)
      .sort((a, b) => Number(a.pk) - Number(b.pk))
      .map((column) => quoteIdentifier(String(column.name)));
  } else if (listed?.type === 'table') {
    const alias = ['rowid', '_rowid_', 'oid'].find((name) => ![...names].some((column) => column.toLowerCase() === name));
    if (alias) rowKey = [alias];
  }
  return { name: table, columns: new Map(columns.map((column) => [String(column.name), affinityOf(String(column.type ?? ''))])), rowKey };
}
