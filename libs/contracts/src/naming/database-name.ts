/** Database names: a letter or digit, then up to 62 letters, digits, `_`, `.` or `-`. */
export const DATABASE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const DATABASE_NAME_RULE =
  'must start with a letter or digit, contain only letters, digits, "_", "." or "-", be at most 63 characters and not contain ".."';

/** True when `name` can safely name a database: a file, a directory and a container. */
export function isValidDatabaseName(name: unknown): name is string {
  return typeof name === 'string' && DATABASE_NAME_PATTERN.test(name) && !name.includes('..');
}
