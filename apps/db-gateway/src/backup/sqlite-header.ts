/**
 * The 100-byte header of a SQLite database file (https://www.sqlite.org/fileformat.html#the_database_header),
 * read and checked against the file's size without SQLite. SQLite trusts these fields: a freelist
 * trunk or a page count that points past the end of the file opens and reads fine, then makes every
 * write fail as "malformed". So an upload is refused here, with the field that is wrong.
 */

export const SQLITE_HEADER_BYTES = 100;

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** The smallest usable page (page size minus reserved bytes) SQLite accepts. */
const MIN_USABLE_PAGE_BYTES = 480;
/** The b-tree page type of page 1 (sqlite_schema): a leaf or an interior table page. */
const SCHEMA_PAGE_TYPES = new Set([0x0d, 0x05]);

export interface SqliteHeader {
  pageSize: number;
  /** Pages in the file, as its size says (and, when the header's own count is valid, as the header says too). */
  pageCount: number;
  /** Bytes 18/19 mark WAL mode. */
  walMode: boolean;
}

/** Either the header, or what is wrong with the file, phrased to follow its name ("The upload ..."). */
export type SqliteHeaderCheck = { header: SqliteHeader; problem?: undefined } | { header?: undefined; problem: string };

/**
 * Checks `bytes` (the file's first bytes: the header and page 1's b-tree header) against `fileSize`:
 * magic, page size (a power of two, 512..65536), whole pages, the in-header page count, read and
 * write versions, reserved bytes, payload fractions, freelist trunk and count, the largest root page
 * and incremental vacuum, schema format, text encoding and the reserved-for-expansion zeros.
 */
export function checkSqliteHeader(bytes: Buffer, fileSize: number): SqliteHeaderCheck {
  const fail = (problem: string): SqliteHeaderCheck => ({ problem });
  if (fileSize < SQLITE_HEADER_BYTES || bytes.length < SQLITE_HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    return fail('is not a SQLite database (no "SQLite format 3" header; an encrypted database is not accepted either)');
  }
  const raw = bytes.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return fail(`has an invalid page size (${raw}) in its header`);
  if (fileSize % pageSize !== 0) return fail(`is truncated: ${fileSize} bytes is not a whole number of ${pageSize}-byte pages`);
  const pageCount = fileSize / pageSize;

  // The in-header count is valid when it is non-zero and written by the same change as "version-valid-for".
  const headerPages = bytes.readUInt32BE(28);
  if (headerPages > 0 && bytes.readUInt32BE(24) === bytes.readUInt32BE(92)) {
    if (headerPages > pageCount) return fail(`is truncated: its header counts ${headerPages} pages, the file holds ${pageCount}`);
    if (headerPages < pageCount) return fail(`does not match its header: the header counts ${headerPages} pages, the file holds ${pageCount}`);
  }

  const [writeVersion, readVersion] = [bytes[18], bytes[19]];
  if (![1, 2].includes(writeVersion) || ![1, 2].includes(readVersion)) {
    return fail(`has invalid file format versions (write ${writeVersion}, read ${readVersion}) in its header`);
  }
  const reserved = bytes[20];
  if (pageSize - reserved < MIN_USABLE_PAGE_BYTES) return fail(`reserves ${reserved} bytes of each ${pageSize}-byte page, leaving fewer than ${MIN_USABLE_PAGE_BYTES} usable`);
  if (bytes[21] !== 64 || bytes[22] !== 32 || bytes[23] !== 32) {
    return fail(`has invalid payload fractions (${bytes[21]}, ${bytes[22]}, ${bytes[23]}; SQLite writes 64, 32, 32) in its header`);
  }

  const freelistTrunk = bytes.readUInt32BE(32);
  const freelistCount = bytes.readUInt32BE(36);
  if (freelistCount > pageCount - 1) return fail(`counts ${freelistCount} free pages in its header, more than the ${pageCount - 1} pages after the first`);
  if (freelistCount > 0 && (freelistTrunk < 2 || freelistTrunk > pageCount)) {
    return fail(`has its first freelist trunk page at ${freelistTrunk} in its header, outside the file's pages 2..${pageCount}`);
  }
  if (freelistCount === 0 && freelistTrunk !== 0) return fail(`has a freelist trunk page (${freelistTrunk}) but no free pages in its header`);

  // Bytes 44 and 56 stay 0 until the first table is created.
  const schemaFormat = bytes.readUInt32BE(44);
  if (schemaFormat > 4) return fail(`has an unsupported schema format (${schemaFormat}; 1 to 4) in its header`);
  const encoding = bytes.readUInt32BE(56);
  if (encoding > 3) return fail(`has an invalid text encoding (${encoding}; 1 UTF-8, 2 UTF-16le, 3 UTF-16be) in its header`);

  const largestRoot = bytes.readUInt32BE(52);
  const incrementalVacuum = bytes.readUInt32BE(64);
  if (largestRoot > pageCount) return fail(`names page ${largestRoot} as its largest root page, past the file's ${pageCount} pages`);
  if (incrementalVacuum > 1 || (incrementalVacuum === 1 && largestRoot === 0)) return fail(`has an invalid incremental-vacuum flag (${incrementalVacuum}) in its header`);
  if (bytes.subarray(72, 92).some((byte) => byte !== 0)) return fail('has non-zero bytes in the part of its header reserved for expansion (72..91)');

  if (bytes.length > SQLITE_HEADER_BYTES && !SCHEMA_PAGE_TYPES.has(bytes[SQLITE_HEADER_BYTES])) {
    return fail(`has no table b-tree on page 1 (page type ${bytes[SQLITE_HEADER_BYTES]})`);
  }
  return { header: { pageSize, pageCount, walMode: writeVersion === 2 || readVersion === 2 } };
}
