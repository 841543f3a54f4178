import { CsvEncoder, NdjsonEncoder } from './ndjson-csv.encoders';

describe('NdjsonEncoder', () => {
  it('writes one JSON object per line, BLOBs as base64 and big integers as numbers', () => {
    const sut = new NdjsonEncoder();
    expect(sut.encode([{ a: 1, b: 'x\ny', c: null, d: Buffer.from([0, 255]), e: 2n }])).toBe('{"a":1,"b":"x\\ny","c":null,"d":"AP8=","e":2}\n');
    expect(sut.encode([])).toBe('');
  });
});

describe('CsvEncoder', () => {
  it('writes the header once, from the first row, then CRLF records', () => {
    const sut = new CsvEncoder();
    expect(sut.encode([{ id: 1, 'a,b': 'x' }])).toBe('id,"a,b"\r\n1,x\r\n');
    expect(sut.encode([{ id: 2, 'a,b': 'y' }])).toBe('2,y\r\n');
  });

  it('quotes what must be quoted and keeps NULL apart from the empty string', () => {
    const sut = new CsvEncoder();
    const text = sut.encode([{ v: 'say "hi"' }, { v: 'a\r\nb' }, { v: null }, { v: '' }, { v: 1.5 }, { v: Buffer.from('hi') }]);
    expect(text).toBe('v\r\n"say ""hi"""\r\n"a\r\nb"\r\n\r\n""\r\n1.5\r\naGk=\r\n');
  });

  it('writes nothing for no rows', () => {
    expect(new CsvEncoder().encode([])).toBe('');
  });
});
