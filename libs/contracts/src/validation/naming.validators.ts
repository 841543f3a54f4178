import { DATABASE_NAME_RULE, isValidDatabaseName } from '../naming/database-name';
import { IDENTIFIER_RULE, isValidColumnType, isValidIdentifier } from '../naming/identifier';
import { defineValidator } from './define-validator';
import { invalidDatabaseName, invalidIdentifier } from './error-context';

/** A valid database name; failures report `INVALID_DATABASE_NAME`. */
export const IsDatabaseName = () =>
  defineValidator('isDatabaseName', isValidDatabaseName, `$property ${DATABASE_NAME_RULE}`, invalidDatabaseName);

/** A safe table or column name; failures report `INVALID_IDENTIFIER`. */
export const IsIdentifier = () =>
  defineValidator('isIdentifier', isValidIdentifier, `$property ${IDENTIFIER_RULE}`, invalidIdentifier);

/** A column type name such as `TEXT` or `VARCHAR(255)`, no constraint words; failures report `INVALID_IDENTIFIER`. */
export const IsColumnType = () =>
  defineValidator(
    'isColumnType',
    isValidColumnType,
    '$property must be a type name of up to four words with an optional size, e.g. TEXT or VARCHAR(255); constraints go in primary_key, not_null and default',
    invalidIdentifier,
  );
