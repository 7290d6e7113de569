import { rawJsonMembers } from './raw-json-members';

describe('rawJsonMembers', () => {
  it('returns each top-level value exactly as written', () => {
    const text = ' {"a" : {"x":"}\\"{","y":[1,{"z":null}]} , "b":"q\\/r","c":-1.5e3,"d":true,"e":[] } ';
    expect(rawJsonMembers(text)).toEqual([
      { key: 'a', rawValue: '{"x":"}\\"{","y":[1,{"z":null}]}' },
      { key: 'b', rawValue: '"q\\/r"' },
      { key: 'c', rawValue: '-1.5e3' },
      { key: 'd', rawValue: 'true' },
      { key: 'e', rawValue: '[]' },
    ]);
  });

  it('decodes escaped keys and handles an empty object', () => {
    expect(rawJsonMembers('{"a\\u0062":1}')).toEqual([{ key: 'ab', rawValue: '1' }]);
    expect(rawJsonMembers('{}')).toEqual([]);
  });

  it('throws SyntaxError for anything but a JSON object', () => {
    for (const text of ['', '[1]', '"s"', '{"a":1', '{"a":1}x'])
      expect(() => rawJsonMembers(text)).toThrow(SyntaxError);
  });
});
