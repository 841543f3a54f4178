import { checkSqliteHeader } from './sqlite-header';
import { sqliteFile } from '../../test/support/sqlite-file';

describe('checkSqliteHeader', () => {
  let sample: Buffer; // 4096-byte pages, several of them free
  let pages: number;

  beforeAll(async () => {
    sample = await sqliteFile(
      'PRAGMA page_size=4096; CREATE TABLE t (v); INSERT INTO t SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) SELECT i FROM n); DELETE FROM t WHERE rowid > 5;',
    );
    pages = sample.length / 4096;
  });

  /** The check of `sample` with `change` applied to a copy of its first page. */
  const checked = (change: (bytes: Buffer) => void, size = sample.length) => {
    const bytes = Buffer.from(sample.subarray(0, 108));
    change(bytes);
    return checkSqliteHeader(bytes, size);
  };

  it('accepts files SQLite wrote: with free pages, empty, in WAL mode, with 512- and 65536-byte pages', async () => {
    expect(sample.readUInt32BE(36)).toBeGreaterThan(0); // the sample has a freelist
    expect(checkSqliteHeader(sample, sample.length)).toEqual({ header: { pageSize: 4096, pageCount: pages, walMode: false } });
    const empty = await sqliteFile('PRAGMA user_version = 7;');
    expect(checkSqliteHeader(empty, empty.length).problem).toBeUndefined();
    const wal = await sqliteFile('PRAGMA journal_mode=WAL; CREATE TABLE t (v);');
    expect(checkSqliteHeader(wal, wal.length).header).toMatchObject({ walMode: true });
    const small = await sqliteFile('PRAGMA page_size=512; CREATE TABLE t (v);');
    expect(checkSqliteHeader(small, small.length).header).toMatchObject({ pageSize: 512 });
    const large = await sqliteFile('PRAGMA page_size=65536; CREATE TABLE t (v);');
    expect(large.readUInt16BE(16)).toBe(1);
    expect(checkSqliteHeader(large, large.length).header).toMatchObject({ pageSize: 65536 });
    const autoVacuum = await sqliteFile('PRAGMA auto_vacuum=INCREMENTAL; CREATE TABLE t (v); CREATE TABLE u (v);');
    expect(checkSqliteHeader(autoVacuum, autoVacuum.length).problem).toBeUndefined();
  });

  it('refuses what is not a SQLite file, or too short to hold a header', () => {
    expect(checkSqliteHeader(Buffer.from('hello'), 5).problem).toMatch(/^is not a SQLite database/);
    expect(checked((bytes) => bytes.write('SQLite format 4', 0, 'latin1')).problem).toMatch(/^is not a SQLite database/);
    expect(checkSqliteHeader(sample.subarray(0, 100), 99).problem).toMatch(/^is not a SQLite database/);
  });

  it.each([
    ['not a power of two', 1000],
    ['below 512', 256],
    ['zero', 0],
    ['above 65536 as written (65535)', 65535],
  ])('refuses a page size %s', (_, raw) => {
    expect(checked((bytes) => bytes.writeUInt16BE(raw, 16)).problem).toBe(`has an invalid page size (${raw}) in its header`);
  });

  it('refuses a file that is not a whole number of pages, or shorter than its header counts (truncated)', () => {
    expect(checked(() => undefined, sample.length - 700).problem).toBe(`is truncated: ${sample.length - 700} bytes is not a whole number of 4096-byte pages`);
    expect(checked(() => undefined, 4096 * 2).problem).toBe(`is truncated: its header counts ${pages} pages, the file holds 2`);
  });

  it('refuses a page count that lies about the file (fewer pages than it holds), when the count is valid', () => {
    expect(checked((bytes) => bytes.writeUInt32BE(2, 28)).problem).toBe(`does not match its header: the header counts 2 pages, the file holds ${pages}`);
    // A count written by another change than "version-valid-for" is not trusted by SQLite either: the file size counts.
    expect(checked((bytes) => bytes.writeUInt32BE(2, 28) && bytes.writeUInt32BE(bytes.readUInt32BE(92) + 1, 92)).problem).toBeUndefined();
  });

  it('refuses a freelist that points outside the file', () => {
    expect(checked((bytes) => bytes.writeUInt32BE(1_000_000, 32)).problem).toBe(`has its first freelist trunk page at 1000000 in its header, outside the file's pages 2..${pages}`);
    expect(checked((bytes) => bytes.writeUInt32BE(pages + 1, 32)).problem).toMatch(/first freelist trunk page at \d+ .*outside/);
    expect(checked((bytes) => bytes.writeUInt32BE(1, 32)).problem).toMatch(/first freelist trunk page at 1 /);
    expect(checked((bytes) => bytes.writeUInt32BE(0, 32)).problem).toMatch(/first freelist trunk page at 0 /);
    expect(checked((bytes) => bytes.writeUInt32BE(pages, 36)).problem).toBe(`counts ${pages} free pages in its header, more than the ${pages - 1} pages after the first`);
    expect(checked((bytes) => bytes.writeUInt32BE(0xffffffff, 36)).problem).toMatch(/^counts 4294967295 free pages/);
    expect(checked((bytes) => bytes.writeUInt32BE(0, 36)).problem).toMatch(/^has a freelist trunk page \(\d+\) but no free pages/);
  });

  it('refuses unknown versions, formats, encodings, and malformed fixed fields', () => {
    expect(checked((bytes) => (bytes[18] = 3)).problem).toBe('has invalid file format versions (write 3, read 1) in its header');
    expect(checked((bytes) => (bytes[19] = 0)).problem).toBe('has invalid file format versions (write 1, read 0) in its header');
    expect(checked((bytes) => (bytes[20] = 255)).problem).toBeUndefined(); // 4096 - 255 bytes still usable
    expect(checked((bytes) => bytes.writeUInt16BE(512, 16) && (bytes[20] = 40), 512 * pages).problem).toMatch(/^reserves 40 bytes of each 512-byte page/);
    expect(checked((bytes) => (bytes[21] = 63)).problem).toMatch(/^has invalid payload fractions \(63, 32, 32/);
    expect(checked((bytes) => bytes.writeUInt32BE(5, 44)).problem).toBe('has an unsupported schema format (5; 1 to 4) in its header');
    expect(checked((bytes) => bytes.writeUInt32BE(4, 56)).problem).toMatch(/^has an invalid text encoding \(4;/);
    expect(checked((bytes) => bytes.writeUInt32BE(pages + 1, 52)).problem).toBe(`names page ${pages + 1} as its largest root page, past the file's ${pages} pages`);
    expect(checked((bytes) => bytes.writeUInt32BE(1, 64)).problem).toMatch(/^has an invalid incremental-vacuum flag \(1\)/);
    expect(checked((bytes) => (bytes[80] = 1)).problem).toBe('has non-zero bytes in the part of its header reserved for expansion (72..91)');
    expect(checked((bytes) => (bytes[100] = 0x02)).problem).toBe('has no table b-tree on page 1 (page type 2)');
  });
});
