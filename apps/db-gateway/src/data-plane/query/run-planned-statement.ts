import { RowsResponseDto, WriteResultDto } from '@dbforge/contracts';
import { ResultLimits } from '../../sqlite/result-limits';
import { cappedRows } from '../json-rows';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { BoundStatement } from '../statements/bound-statement';
import { StatementPlan } from '../statements/statement-plan';

/**
 * Runs one checked statement on `connection` and shapes its result as /query answers it: rows for a
 * statement that yields them (with changes and last id when it also writes), else a write summary.
 */
export async function runStatement(
  connection: SqliteConnection,
  statement: BoundStatement,
  plan: StatementPlan,
  limits: ResultLimits,
): Promise<RowsResponseDto | WriteResultDto> {
  if (plan.returnsRows) {
    // A write is never cut short (interrupting it would roll it back): it runs to the end and only
    // the response is capped.
    // A read is stepped row by row within the limits, unless its bytecode proves it yields no more
    // rows than the limit (a point lookup): then it runs in one trip; the byte limit still applies below.
    const stepped = plan.readOnly && !(plan.rowBound !== undefined && plan.rowBound <= limits.maxRows);
    const rows = cappedRows(await connection.all(statement.sql, statement.bindings, stepped ? limits : undefined), limits, plan.readOnly ? 'read' : 'write');
    if (plan.readOnly) return rows;
    const [counts] = await connection.all('SELECT changes() AS changes, last_insert_rowid() AS id');
    return { ...rows, rows_affected: Number(counts.changes), last_insert_id: Number(counts.id) };
  }
  if (plan.outsideTransaction) {
    await connection.vacuum(statement.sql);
    return { message: 'Query executed successfully.', rows_affected: 0, last_insert_id: 0 };
  }
  const result = await connection.run(statement.sql, statement.bindings);
  // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE; DDL and pragmas changed no rows.
  const counted = !plan.readOnly && !plan.changesSchema;
  return { message: 'Query executed successfully.', rows_affected: counted ? result.changes : 0, last_insert_id: result.lastInsertId };
}
