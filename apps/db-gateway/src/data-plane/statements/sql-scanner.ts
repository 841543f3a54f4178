import { StatementState, Token, nextStatementState, readToken } from './sql-tokens';

/** What a light pass over SQL text learns without asking SQLite. */
export interface ScannedSql {
  /** Upper-cased first keyword (`SELECT`, `WITH`, `PRAGMA`...) or first token, or '' for an empty text. */
  firstKeyword: string;
  /** True when something other than whitespace, comments and `;` follows the first statement. */
  hasMoreStatements: boolean;
  /** Number of bare `?` parameters. */
  anonymousCount: number;
  /** Highest `?NNN` index used (0 when none). */
  highestNumbered: number;
  /** Named parameters as written, prefix included (`:id`, `@id`, `$id`, `#id`, `$a::b(c)`). */
  names: string[];
  /**
   * The first statement's tokens: keywords and names upper-cased, quoted names by their content
   * (SQLite accepts `PRAGMA "writable_schema"`), string literals as `'` + content, parameters as
   * `?`, other characters as themselves. Policies read these, never the raw text.
   */
  tokens: string[];
  /** Index after the first statement's last token (before its closing `;`, spaces and comments). */
  end: number;
  /** Index of the first statement's first token (after any leading spaces, comments and `;`). */
  start: number;
}

/**
 * Scans SQL the way SQLite's tokenizer splits it (`sql-tokens.ts`): quoted strings and identifiers,
 * comments, parameters (Tcl forms included), and statement ends (`;`), honouring the `BEGIN ... END`
 * body of CREATE TRIGGER as sqlite3_complete() does.
 */
export function scanSql(sql: string): ScannedSql {
  const result: ScannedSql = { firstKeyword: '', hasMoreStatements: false, anonymousCount: 0, highestNumbered: 0, names: [], tokens: [], end: 0, start: 0 };
  const tokens = result.tokens;
  let state: StatementState = 'start';
  let ended = false;
  for (let i = 0; i < sql.length; ) {
    const token = readToken(sql, i);
    i = token.end;
    if (token.kind === 'space') continue;
    if (token.kind === 'semicolon') {
      const next = nextStatementState(state, token);
      if (next === 'start' && tokens.length > 0) ended = true;
      state = next;
      continue;
    }
    if (ended) {
      result.hasMoreStatements = true;
      return result;
    }
    const text = sql.slice(token.start, token.end);
    const shown = tokenText(token, text);
    if (tokens.length === 0) {
      result.firstKeyword = shown;
      result.start = token.start;
    }
    tokens.push(shown);
    result.end = token.end;
    if (token.kind === 'variable') countParameter(result, text);
    state = nextStatementState(state, token, token.kind === 'word' ? shown : undefined);
  }
  return result;
}

/** How a token appears in `tokens`: see ScannedSql. */
function tokenText(token: Token, text: string): string {
  switch (token.kind) {
    case 'word':
      return text.toUpperCase();
    case 'string': {
      const blob = text[0] !== "'";
      const body = text.slice(blob ? 2 : 1, token.unterminated ? undefined : -1);
      return `'${(blob ? body : body.split("''").join("'")).toUpperCase()}`; // a string literal keeps its quote mark
    }
    case 'quoted': {
      const quote = text[0];
      const body = text.slice(1, token.unterminated ? undefined : -1);
      return (quote === '[' ? body : body.split(quote + quote).join(quote)).toUpperCase();
    }
    case 'variable':
      return '?';
    default:
      return text;
  }
}

function countParameter(result: ScannedSql, text: string): void {
  if (text[0] !== '?') {
    if (!result.names.includes(text)) result.names.push(text);
  } else if (text.length === 1) {
    result.anonymousCount++;
  } else {
    result.highestNumbered = Math.max(result.highestNumbered, Number(text.slice(1)));
  }
}

/** The statements of a script, each up to its last token (as `end` reads it), in order; empty ones skipped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let rest = sql;
  for (;;) {
    const scanned = scanSql(rest);
    if (scanned.firstKeyword === '') return statements;
    statements.push(rest.slice(scanned.start, scanned.end));
    if (!scanned.hasMoreStatements) return statements;
    rest = rest.slice(scanned.end);
  }
}
