import { COLUMN_TYPE_PATTERN, isValidColumnType, isValidIdentifier } from './identifier';

describe('isValidIdentifier', () => {
  it.each(['users', '_private', 'Order_Items2', 'a', 'sqlite', 'sqlitex', 'x'.repeat(64)])('accepts %j', (name) => {
    expect(isValidIdentifier(name)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['a leading digit', '1table'],
    ['65 characters', 'x'.repeat(65)],
    ['the sqlite_ prefix', 'sqlite_master'],
    ['the sqlite_ prefix in capitals', 'SQLITE_sequence'],
    ['a dash', 'first-name'],
    ['a space', 'first name'],
    ['a dot', 'main.users'],
    ['a quote', 'a"b'],
    ['SQL', 'x; DROP TABLE users'],
    ['a NUL', 'a\0'],
    ['a trailing newline', 'users\n'],
    ['a fullwidth look-alike', 'ｕsers'],
    ['a Cyrillic look-alike', 'usеrs'],
  ])('rejects %s (%j)', (_, name) => {
    expect(isValidIdentifier(name)).toBe(false);
  });

  it.each([undefined, null, 7, {}])('rejects the non-string %j', (value) => {
    expect(isValidIdentifier(value)).toBe(false);
  });
});

describe('COLUMN_TYPE_PATTERN', () => {
  it.each(['INTEGER', 'text', 'VARCHAR(255)', 'VARCHAR (255)', 'DECIMAL(10, 2)', 'DECIMAL(10,2)', 'DOUBLE PRECISION', 'UNSIGNED BIG INT', 'NATIVE CHARACTER(70)'])(
    'accepts %j',
    (type) => {
      expect(COLUMN_TYPE_PATTERN.test(type)).toBe(true);
    },
  );

  it.each([
    'TEXT); DROP TABLE x; --',
    'VARCHAR(10) NOT NULL',
    '',
    'INT(-1)',
    'DECIMAL(1, 2, 3)',
    'VARCHAR(1234567890)',
    '1INT',
    'TEXT ',
    'TEXT\n',
    'A B C D E',
    'TEXT /* c */',
    'ＴＥＸＴ',
  ])('rejects %j', (type) => {
    expect(COLUMN_TYPE_PATTERN.test(type)).toBe(false);
  });
});

describe('isValidColumnType', () => {
  it.each(['INTEGER', 'TEXT', 'VARCHAR(255)', 'DECIMAL(10, 2)', 'DOUBLE PRECISION', 'UNSIGNED BIG INT', 'nvarchar(10)'])('accepts the type name %j', (type) => {
    expect(isValidColumnType(type)).toBe(true);
  });

  it.each(['TEXT REFERENCES users', 'TEXT UNIQUE', 'INTEGER PRIMARY KEY', 'TEXT NOT NULL', 'TEXT DEFAULT abc', 'TEXT COLLATE nocase', 'INT GENERATED ALWAYS'])(
    'refuses %j, which carries a constraint',
    (type) => {
      expect(isValidColumnType(type)).toBe(false);
    },
  );
});
