/**
 * SQLite's tokenizer (tokenize.c) and the statement-end state machine of sqlite3_complete()
 * (complete.c), in TypeScript: the one place where the gateway decides where a token or a statement
 * of SQL text begins and ends. The statement scanner and the SQL-dump splitter both read text through
 * these, so they cannot disagree with each other; where they might still disagree with SQLite, the
 * planner asks SQLite itself (see `statement-extent.ts`).
 */

export type TokenKind =
  /** Spaces and comments: they separate tokens and mean nothing. */
  | 'space'
  /** `;` */
  | 'semicolon'
  /** A string literal `'...'` or a BLOB literal `x'...'`. */
  | 'string'
  /** A quoted identifier: `"..."`, `` `...` `` or `[...]`. */
  | 'quoted'
  /** A keyword, a bare name or a number. */
  | 'word'
  /** A parameter: `?`, `?NNN`, `:name`, `@name`, `$name` (with Tcl's `::` and `(...)` forms), `#name`. */
  | 'variable'
  /** Any other single character (operators, punctuation), or what SQLite would refuse as a token. */
  | 'other';

export interface Token {
  kind: TokenKind;
  start: number;
  /** Index after the token's last character. */
  end: number;
  /** An unterminated string, quoted identifier or block comment: it runs to the end of the text. */
  unterminated?: boolean;
}

/** SQLite's IdChar(): letters, digits, `_`, `$`, and every character from U+0080 up (any UTF-8 byte >= 0x80). */
export function isIdChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x24 || code >= 0x80;
}

/** SQLite's whitespace: space, tab, newline, form feed, carriage return (not \v, not U+00A0). */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** The token starting at `i` (< sql.length), as SQLite's tokenizer reads it. */
export function readToken(sql: string, i: number): Token {
  const n = sql.length;
  const c = sql[i];
  const token = (kind: TokenKind, end: number, unterminated = false): Token => (unterminated ? { kind, start: i, end, unterminated } : { kind, start: i, end });
  if (isSpace(c)) {
    let j = i + 1;
    while (j < n && isSpace(sql[j])) j++;
    return token('space', j);
  }
  if (c === '-' && sql[i + 1] === '-') {
    const newline = sql.indexOf('\n', i + 2);
    return token('space', newline === -1 ? n : newline + 1);
  }
  if (c === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    return close === -1 ? token('space', n, true) : token('space', close + 2);
  }
  if (c === ';') return token('semicolon', i + 1);
  if (c === "'" || c === '"' || c === '`') {
    const end = closingQuote(sql, i, c);
    return token(c === "'" ? 'string' : 'quoted', end ?? n, end === undefined);
  }
  if (c === '[') {
    const close = sql.indexOf(']', i + 1);
    return close === -1 ? token('quoted', n, true) : token('quoted', close + 1);
  }
  if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
    const close = sql.indexOf("'", i + 2);
    return close === -1 ? token('string', n, true) : token('string', close + 1);
  }
  if (c === '?') {
    let j = i + 1;
    while (j < n && isDigit(sql[j])) j++;
    return token('variable', j);
  }
  if (c === ':' || c === '@' || c === '$' || c === '#') return readVariable(sql, i);
  if (isIdChar(c)) {
    let j = i + 1;
    while (j < n && isIdChar(sql[j])) j++;
    return token('word', j);
  }
  return token('other', i + 1);
}

/** The index after the closing quote (a doubled quote is part of the text), or undefined if none. */
function closingQuote(sql: string, start: number, quote: string): number | undefined {
  let i = start + 1;
  for (;;) {
    const at = sql.indexOf(quote, i);
    if (at === -1) return undefined;
    if (sql[at + 1] !== quote) return at + 1;
    i = at + 2;
  }
}

/**
 * `:name`, `@name`, `$name`, `#name` as tokenize.c reads them: identifier characters, Tcl's `::`
 * namespace separators and one `(...)` suffix running to `)` or the first space (`$a(x')` is one token:
 * the quote inside is not a string). Without a name character it is not a parameter: SQLite refuses it.
 */
function readVariable(sql: string, start: number): Token {
  const n = sql.length;
  let named = 0;
  let i = start + 1;
  while (i < n) {
    const c = sql[i];
    if (isIdChar(c)) {
      named++;
      i++;
    } else if (c === '(' && named > 0) {
      i++;
      while (i < n && !isSpace(sql[i]) && sql[i] !== ')') i++;
      if (sql[i] === ')') i++;
      break;
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
    } else {
      break;
    }
  }
  return named > 0 ? { kind: 'variable', start, end: i } : { kind: 'other', start, end: start + 1 };
}

/**
 * Where a statement stands, in sqlite3_complete()'s terms: a `;` ends a statement except inside the
 * body of a CREATE [TEMP] TRIGGER, which only a `;` after `END` after a `;` ends.
 */
export type StatementState = 'start' | 'normal' | 'explain' | 'create' | 'trigger' | 'semi' | 'end';

type CompleteToken = 'semi' | 'other' | 'explain' | 'create' | 'temp' | 'trigger' | 'end';

const TRANSITIONS: Record<StatementState, Record<CompleteToken, StatementState>> = {
  start: { semi: 'start', other: 'normal', explain: 'explain', create: 'create', temp: 'normal', trigger: 'normal', end: 'normal' },
  normal: { semi: 'start', other: 'normal', explain: 'normal', create: 'normal', temp: 'normal', trigger: 'normal', end: 'normal' },
  explain: { semi: 'start', other: 'explain', explain: 'normal', create: 'create', temp: 'normal', trigger: 'normal', end: 'normal' },
  create: { semi: 'start', other: 'normal', explain: 'normal', create: 'normal', temp: 'create', trigger: 'trigger', end: 'normal' },
  trigger: { semi: 'semi', other: 'trigger', explain: 'trigger', create: 'trigger', temp: 'trigger', trigger: 'trigger', end: 'trigger' },
  semi: { semi: 'semi', other: 'trigger', explain: 'trigger', create: 'trigger', temp: 'trigger', trigger: 'trigger', end: 'end' },
  end: { semi: 'start', other: 'trigger', explain: 'trigger', create: 'trigger', temp: 'trigger', trigger: 'trigger', end: 'trigger' },
};

const KEYWORDS: Record<string, CompleteToken> = { EXPLAIN: 'explain', CREATE: 'create', TEMP: 'temp', TEMPORARY: 'temp', TRIGGER: 'trigger', END: 'end' };

/**
 * The state after `token` (`word` upper-cased when it is a word). A `;` that brings a statement with
 * content back to `start` ended it. Spaces and comments change nothing.
 */
export function nextStatementState(state: StatementState, token: Token, word?: string): StatementState {
  if (token.kind === 'space') return state;
  const kind: CompleteToken = token.kind === 'semicolon' ? 'semi' : token.kind === 'word' ? (KEYWORDS[word ?? ''] ?? 'other') : 'other';
  return TRANSITIONS[state][kind];
}
