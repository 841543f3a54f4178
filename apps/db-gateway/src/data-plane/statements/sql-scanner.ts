/** What a light pass over SQL text learns without asking SQLite. */
export interface ScannedSql {
  /** Upper-cased first keyword (`SELECT`, `WITH`, `PRAGMA`...), or '' for an empty text. */
  firstKeyword: string;
  /** True when something other than whitespace, comments and `;` follows the first statement. */
  hasMoreStatements: boolean;
  /** Number of bare `?` parameters. */
  anonymousCount: number;
  /** Highest `?NNN` index used (0 when none). */
  highestNumbered: number;
  /** Named parameters as written, prefix included (`:id`, `@id`, `$id`). */
  names: string[];
  /**
   * The first statement's tokens: keywords and names upper-cased, quoted names by their content
   * (SQLite accepts `PRAGMA "writable_schema"`), string literals as `'` + content, parameters as
   * `?`, other characters as themselves. Policies read these, never the raw text.
   */
  tokens: string[];
}

const WORD = /[A-Za-z0-9_\u0080-\uffff]/;
const NAME_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * Scans SQL the way SQLite's tokenizer splits it: quoted strings and identifiers, comments,
 * parameters, and statement ends (`;`), honouring the `BEGIN ... END` body of CREATE TRIGGER.
 */
export function scanSql(sql: string): ScannedSql {
  const result: ScannedSql = { firstKeyword: '', hasMoreStatements: false, anonymousCount: 0, highestNumbered: 0, names: [], tokens: [] };
  const tokens = result.tokens;
  const words: string[] = [];
  let ended = false;
  let triggerDepth = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === ';') {
      if (triggerDepth === 0 && words.length > 0) ended = true;
      i++;
      continue;
    }
    if (ended) {
      result.hasMoreStatements = true;
      return result;
    }
    if (c === "'" || c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c);
      const content = sql.slice(i + 1, end - 1).split(c + c).join(c).toUpperCase();
      tokens.push(c === "'" ? `'${content}` : content); // a string literal keeps its quote mark
      i = end;
      words.push('');
      continue;
    }
    if (c === '[') {
      const end = sql.indexOf(']', i);
      tokens.push(sql.slice(i + 1, end === -1 ? n : end).toUpperCase());
      i = end === -1 ? n : end + 1;
      words.push('');
      continue;
    }
    if (c === '?') {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j])) j++;
      if (j === i + 1) result.anonymousCount++;
      else result.highestNumbered = Math.max(result.highestNumbered, Number(sql.slice(i + 1, j)));
      tokens.push('?');
      words.push('');
      i = j;
      continue;
    }
    if ((c === ':' || c === '@' || c === '$') && i + 1 < n && NAME_CHAR.test(sql[i + 1])) {
      let j = i + 1;
      while (j < n && NAME_CHAR.test(sql[j])) j++;
      const name = sql.slice(i, j);
      if (!result.names.includes(name)) result.names.push(name);
      tokens.push('?');
      words.push('');
      i = j;
      continue;
    }
    if (WORD.test(c)) {
      let j = i + 1;
      while (j < n && NAME_CHAR.test(sql[j])) j++; // SQLite allows `$` inside identifiers: a$b is one word
      const word = sql.slice(i, j).toUpperCase();
      words.push(word);
      tokens.push(word);
      if (words.length === 1) result.firstKeyword = word;
      triggerDepth = trackTrigger(words, word, triggerDepth);
      i = j;
      continue;
    }
    words.push('');
    tokens.push(c);
    i++;
  }
  return result;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/**
 * Inside `CREATE [TEMP] TRIGGER ... BEGIN ... END`, `;` separates the body's statements instead of
 * ending the statement. CASE ... END nests inside the body.
 */
function trackTrigger(words: string[], word: string, depth: number): number {
  const start = words[0] !== 'EXPLAIN' ? 0 : words[1] === 'QUERY' && words[2] === 'PLAN' ? 3 : 1;
  const [create, second, third] = words.slice(start, start + 3);
  const isTrigger = create === 'CREATE' && (second === 'TRIGGER' || (['TEMP', 'TEMPORARY'].includes(second) && third === 'TRIGGER'));
  if (!isTrigger) return depth;
  if (word === 'BEGIN' || (word === 'CASE' && depth > 0)) return depth + 1;
  if (word === 'END' && depth > 0) return depth - 1;
  return depth;
}
