import type { ResultLimits } from './result-limits';
import type { SqliteBindings, SqliteRow, SqliteValue } from './sqlite-values';

export type { SqliteBindings, SqliteRow, SqliteValue } from './sqlite-values';

export interface RunResult {
  /** Rows changed by the statement (sqlite3_changes). */
  changes: number;
  /** sqlite3_last_insert_rowid of the connection. */
  lastInsertId: number;
}

export interface OpenOptions {
  readOnly: boolean;
  /**
   * Create the file when it does not exist. Off by default: only the paths that make a new database
   * (spawn, a dump's fresh file, the gateway's own state) ask for it; every other open of a missing
   * file fails with FILE_MISSING instead of serving an empty database in its place.
   */
  create?: boolean;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  /** Largest string or BLOB a statement may build (SQLITE_LIMIT_LENGTH); SQLite's own default when absent. */
  maxValueBytes?: number;
}

/** The code of the error an open without `create` gets when the file does not exist. */
export const FILE_MISSING = 'DBFORGE_FILE_MISSING';

/** An error raised by SQLite, translated at the driver boundary. `code` is SQLite's (`SQLITE_CONSTRAINT`, ...). */
export class SqliteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/** A statement stepped on demand: rows come out only as fast as they are asked for. */
export abstract class RowCursor {
  /**
   * Up to `maxRows` further rows, stopping early once they pass about `maxBytes` (see `jsonSizeOf`);
   * none once the statement has no more.
   */
  abstract next(maxRows: number, maxBytes: number): Promise<SqliteRow[]>;
  /** Resets the statement, ending its read snapshot. Idempotent. */
  abstract close(): Promise<void>;
}

/** A result as a table: the columns in order (a repeated name stays), each row a list of values in that order. */
export interface TabularResult {
  columns: { name: string; decltype: string | null }[];
  rows: SqliteValue[][];
}

/** One open SQLite connection. */
export abstract class SqliteConnection {
  /**
   * The statement's result as a table (see TabularResult), limited as `all` limits rows (kept while
   * they fit, plus one). A statement without result columns runs once and gives none.
   */
  abstract tabular(sql: string, bindings?: SqliteBindings, limits?: ResultLimits): Promise<TabularResult>;
  /** The result columns of a statement, from compiling it alone (nothing runs); none for a statement that returns no rows. */
  abstract columnsOf(sql: string): Promise<TabularResult['columns']>;
  /** A cursor over the rows of `sql`; the connection serves nothing else until it is closed. */
  abstract cursor(sql: string, bindings?: SqliteBindings): RowCursor;
  /**
   * The rows of a statement. With `limits`, rows are kept only while they fit (see `rowsWithin`), plus
   * the first that does not, so a caller can tell that more existed; a read is interrupted there.
   */
  abstract all(sql: string, bindings?: SqliteBindings, limits?: ResultLimits): Promise<SqliteRow[]>;
  abstract run(sql: string, bindings?: SqliteBindings): Promise<RunResult>;
  abstract exec(sql: string): Promise<void>;
  abstract close(): Promise<void>;
  /** Makes the statement running on this connection fail with SQLITE_INTERRUPT. */
  abstract interrupt(): void;
  /**
   * Runs a VACUUM statement. VACUUM attaches a temporary database internally, which the connection's
   * ATTACH limit of 0 forbids, so the limit is lifted for this one statement (user ATTACH statements
   * never get here: the statement policy refuses them).
   */
  abstract vacuum(sql: string): Promise<void>;
  /**
   * Writes a consistent copy of the main database to `file` (`VACUUM INTO`, which reads one snapshot,
   * so writers on other connections go on). Like `vacuum`, it lifts the ATTACH limit for this one statement.
   */
  abstract copyTo(file: string): Promise<void>;
  /**
   * Gives back what an idle connection holds and can do without: its page cache (`PRAGMA
   * shrink_memory`) and, where the driver keeps them, its prepared statements. Only while the
   * connection runs nothing; the next statement prepares and reads afresh.
   */
  releaseMemory(): Promise<void> {
    return this.exec('PRAGMA shrink_memory');
  }
}

/**
 * The port to the SQLite engine. Opening applies the service's invariants to every connection:
 * WAL journal, busy timeout, foreign keys on, ATTACH impossible.
 */
export abstract class SqliteDriver {
  abstract open(file: string, options: OpenOptions): Promise<SqliteConnection>;
}
