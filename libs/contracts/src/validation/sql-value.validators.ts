import { ValidationOptions } from 'class-validator';
import { defineValidator } from './define-validator';
import { isRow, isSqlParams, isSqlValue } from './sql-value';

/** An array of scalars or an object of scalars (strings, finite numbers, booleans, null). */
export const IsSqlParams = (options?: ValidationOptions) =>
  defineValidator(
    'isSqlParams',
    isSqlParams,
    '$property must be an array of values or an object of named values; each value a string, a finite number, a boolean or null',
    options,
  );

/** A string, a finite number, a boolean or null. */
export const IsSqlValue = (options?: ValidationOptions) =>
  defineValidator('isSqlValue', isSqlValue, '$property must be a string, a finite number, a boolean or null', options);

/** Every element an object of column name to scalar value. */
export const IsRowObjects = (options?: ValidationOptions) =>
  defineValidator(
    'isRowObjects',
    (value) => Array.isArray(value) && value.every(isRow),
    '$property must be an array of objects mapping column names to strings, finite numbers, booleans or null',
    options,
  );

/** An object of column name to scalar value. */
export const IsRowObject = (options?: ValidationOptions) =>
  defineValidator('isRowObject', isRow, '$property must be an object mapping column names to strings, finite numbers, booleans or null', options);
