import { negotiateRowFormat } from './accept-format';

describe('negotiateRowFormat', () => {
  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['text/html,application/xhtml+xml', 'json'],
    ['application/json', 'json'],
    ['application/x-ndjson', 'ndjson'],
    ['application/jsonl', 'ndjson'],
    ['Text/CSV', 'csv'],
    ['text/csv; charset=utf-8', 'csv'],
    ['application/json, text/csv', 'json'],
    ['text/csv, application/json', 'csv'],
    ['application/json;q=0.9, application/x-ndjson', 'ndjson'],
    ['application/x-ndjson;q=0.2, application/json;q=0.5', 'json'],
    ['text/csv;q=0', 'json'],
    ['text/csv;q=abc', 'json'],
  ])('%s → %s', (accept, format) => {
    expect(negotiateRowFormat(accept)).toBe(format);
  });
});
