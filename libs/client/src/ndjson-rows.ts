import { ErrorBodyDto, Row } from '@dbforge/contracts';
import { DbForgeError } from './dbforge-error';

/**
 * The rows of an NDJSON body as they arrive, in flat memory. A server that cuts the stream ends it
 * with an `{"error": ...}` line, thrown as its DbForgeError; a connection that breaks first throws
 * NETWORK_ERROR.
 */
export async function* ndjsonRows(body: ReadableStream<Uint8Array>): AsyncGenerator<Row> {
  const decoder = new TextDecoder();
  let buffered = '';
  const parse = (line: string): Row => {
    const value = JSON.parse(line) as Row | { error: ErrorBodyDto['error'] };
    if (line.startsWith('{"error":') && typeof value.error === 'object' && value.error !== null) {
      const error = value.error as ErrorBodyDto['error'];
      throw DbForgeError.fromBody(error.status, { error });
    }
    return value as Row;
  };
  try {
    for await (const chunk of body) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (line) yield parse(line);
      }
    }
  } catch (error) {
    if (error instanceof DbForgeError) throw error;
    if (buffered.startsWith('{"error":')) parse(buffered.trim());
    throw new DbForgeError(0, 'NETWORK_ERROR', `The stream broke off: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (buffered.trim()) yield parse(buffered.trim());
}
