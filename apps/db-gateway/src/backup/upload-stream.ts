import { ErrorCode } from '@dbforge/contracts';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../common/domain.error';
import { UploadSource } from './upload-source';

class TooLarge extends Error {}

/**
 * Streams an upload to `file`, at most `maxBytes`; returns the bytes written. Past the limit the
 * upload stops being read, the partial file is removed and PAYLOAD_TOO_LARGE is thrown; an empty
 * body is RESTORE_INVALID. The body is never held in memory.
 */
export async function receiveUpload(source: UploadSource, file: string, maxBytes: number): Promise<number> {
  let received = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > maxBytes) callback(new TooLarge());
      else callback(null, chunk);
    },
  });
  // Not pipeline(request, ...): on an error that would destroy the request's socket, and the client
  // would get a reset instead of the 413.
  const { stream } = source;
  const fail = (error: Error) => limit.destroy(error);
  const closedEarly = () => {
    if (!stream.readableEnded) fail(new Error('the client closed the connection before the end of the body'));
  };
  stream.on('error', fail).on('close', closedEarly);
  stream.pipe(limit);
  try {
    await pipeline(limit, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(file, { force: true });
    if (error instanceof TooLarge) {
      stream.unpipe(limit);
      stream.resume(); // let the rest drain so the client gets the answer rather than a reset
      throw new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `The upload is larger than the configured limit of ${maxBytes} bytes (DBFORGE_MAX_RESTORE_BYTES).`);
    }
    throw new DomainError(ErrorCode.RESTORE_INVALID, `The upload could not be received: ${error instanceof Error ? error.message : String(error)}.`);
  } finally {
    stream.off('error', fail).off('close', closedEarly);
  }
  if (received === 0) {
    await rm(file, { force: true });
    throw new DomainError(ErrorCode.RESTORE_INVALID, 'The body is empty: send a SQLite database file or an SQL dump.');
  }
  return received;
}
