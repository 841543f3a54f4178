import { createReadStream } from 'node:fs';
import { scanSql } from '../data-plane/statements/sql-scanner';

/** Characters that may change the splitter's state outside quotes and comments. */
const SPECIAL = /['"`[\-/;]/g;
const CLOSER: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']', '-': '\n', '*': '*/' };

/**
 * Splits SQL text fed in chunks into statements, in linear time: it tracks quotes and comments
 * itself, and at each `;` outside them lets the project's scanner decide whether the statement really
 * ended (it does not inside a CREATE TRIGGER body).
 */
export class StatementSplitter {
  private text = '';
  /** Start of the statement being read, and how far it has been scanned. */
  private start = 0;
  private position = 0;
  /** '' outside quotes and comments, else the opening: a quote character, `[`, `-` (line comment) or `*` (block comment). */
  private state = '';

  *push(chunk: string, final = false): Generator<string> {
    this.text = this.text.slice(this.start) + chunk;
    this.position -= this.start;
    this.start = 0;
    const text = this.text;
    while (this.position < text.length) {
      if (this.state !== '') {
        const closer = CLOSER[this.state];
        const end = text.indexOf(closer, this.position);
        if (end === -1) {
          this.position = Math.max(this.position, text.length - closer.length + 1); // not closed yet
          break;
        }
        if (this.state === "'" || this.state === '"' || this.state === '`') {
          if (end + 1 >= text.length && !final) {
            this.position = end; // maybe the first half of a doubled quote: wait for the next chunk
            break;
          }
          if (text[end + 1] === closer) {
            this.position = end + 2; // a doubled quote is part of the string
            continue;
          }
        }
        this.position = end + closer.length;
        this.state = '';
        continue;
      }
      SPECIAL.lastIndex = this.position;
      const match = SPECIAL.exec(text);
      if (!match) {
        this.position = text.length;
        break;
      }
      const at = match.index;
      const c = text[at];
      if ((c === '-' || c === '/') && at + 1 >= text.length && !final) {
        this.position = at; // need the next character
        break;
      }
      if (c === ';') {
        const candidate = text.slice(this.start, at + 1);
        this.position = at + 1;
        if (scanSql(`${candidate}\nX`).hasMoreStatements) {
          if (scanSql(candidate).firstKeyword !== '') yield candidate;
          this.start = at + 1;
        }
      } else if (c === '-' || c === '/') {
        const opensComment = c === '-' ? text[at + 1] === '-' : text[at + 1] === '*';
        this.state = opensComment ? (c === '-' ? '-' : '*') : '';
        this.position = opensComment ? at + 2 : at + 1;
      } else {
        this.state = c;
        this.position = at + 1;
      }
    }
    if (final) {
      const rest = text.slice(this.start);
      this.start = text.length;
      if (scanSql(rest).firstKeyword !== '') yield rest;
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
