import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { SqliteConnection, SqliteError } from '../../sqlite/sqlite.port';

/**
 * Text that no statement can be followed by, whatever SQLite is reading at that point: a newline
 * ends a line comment, `*\/` ends a block comment (else `*` `/` is a syntax error), and U+0001 is no
 * token outside a string, and leaves a string or quoted name unterminated inside one.
 */
const AFTER_THE_END = '\n*/\u0001';

/**
 * Asks SQLite whether `text` (one statement as the scanner reads it, up to its last token) is one
 * statement to SQLite too. SQLite compiles the first statement of a text and ignores the rest, so
 * `text` + AFTER_THE_END fails to compile exactly when SQLite's first statement runs to the end of
 * `text`; if it compiles, SQLite read a statement end inside `text` where the scanner saw none, and
 * running `text` would silently skip what follows it. Nothing is run: the probe is EXPLAINed.
 * Only texts holding a `;` need asking (a statement ends nowhere else).
 */
export async function checkStatementExtent(connection: SqliteConnection, text: string, firstKeyword: string): Promise<void> {
  if (!text.includes(';')) return;
  const probe = firstKeyword === 'EXPLAIN' ? `${text}${AFTER_THE_END}` : `EXPLAIN ${text}${AFTER_THE_END}`;
  try {
    await connection.all(probe);
  } catch (error) {
    if (error instanceof SqliteError) return; // SQLite read to the end: one statement
    throw error;
  }
  throw new DomainError(
    ErrorCode.MULTIPLE_STATEMENTS,
    'SQL Error: You can only execute one statement at a time. (SQLite ends the first statement before the end of the text.)',
  );
}
