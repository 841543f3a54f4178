import { createReadStream } from 'node:fs';
import { StatementState, nextStatementState, readToken } from '../data-plane/statements/sql-tokens';

/**
 * Splits SQL text fed in chunks into statements, in linear time, with the gateway's SQLite tokenizer
 * and sqlite3_complete()'s rule for statement ends (a `;` inside a CREATE TRIGGER body does not end
 * it), so a dump is split exactly where the statement scanner would split it. A token that reaches the
 * end of a chunk waits for the next one: it may go on there.
 */
export class StatementSplitter {
  private text = '';
  /** Start of the statement being read, and how far it has been tokenized. */
  private start = 0;
  private position = 0;
  private state: StatementState = 'start';
  /** The statement being read has a token other than spaces and `;`. */
  private content = false;

  *push(chunk: string, final = false): Generator<string> {
    this.text = this.text.slice(this.start) + chunk;
    this.position -= this.start;
    this.start = 0;
    const text = this.text;
    while (this.position < text.length) {
      const token = readToken(text, this.position);
      if (token.end >= text.length && !final) break; // it may go on in the next chunk
      this.position = token.end;
      if (token.kind === 'space') continue;
      const word = token.kind === 'word' ? text.slice(token.start, token.end).toUpperCase() : undefined;
      this.state = nextStatementState(this.state, token, word);
      if (token.kind !== 'semicolon') {
        this.content = true;
      } else if (this.state === 'start') {
        if (this.content) yield text.slice(this.start, token.end);
        this.start = token.end;
        this.content = false;
      }
    }
    if (final) {
      const rest = text.slice(this.start);
      this.start = text.length;
      if (this.content) yield rest;
      this.content = false;
    }
  }
}

/**
 * The statements of an SQL dump file, one at a time, read in chunks (a dump may be far larger than
 * a string can be).
 */
export async function* dumpStatements(file: string): AsyncGenerator<string> {
  const splitter = new StatementSplitter();
  for await (const chunk of createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
    yield* splitter.push(chunk);
  }
  yield* splitter.push('', true);
}
