import { isValidDatabaseName } from './database-name';

describe('isValidDatabaseName', () => {
  it.each(['a', '7', 'shop', 'Shop-DB_2024.v2', '0day', 'a.b-c_d', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(isValidDatabaseName(name)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['a parent reference', '..'],
    ['".." inside', 'a..b'],
    ['a leading dot', '.hidden'],
    ['a leading dash', '-rf'],
    ['a leading underscore', '_db'],
    ['64 characters', 'a'.repeat(64)],
    ['a slash', 'a/b'],
    ['a path escape', '../etc'],
    ['a backslash', 'a\\b'],
    ['a NUL', 'db\0'],
    ['a space', 'my db'],
    ['a trailing newline', 'db\n'],
    ['a fullwidth look-alike', 'ｓhop'],
    ['a Cyrillic look-alike', 'shоp'],
  ])('rejects %s (%j)', (_, name) => {
    expect(isValidDatabaseName(name)).toBe(false);
  });

  it.each([undefined, null, 42, ['shop'], { name: 'shop' }])('rejects the non-string %j', (value) => {
    expect(isValidDatabaseName(value)).toBe(false);
  });
});
