import { describe, expect, it } from 'vitest';
import { parseTarget } from './target.ts';
import { takeWords } from './words.ts';

describe('remsh target', () => {
  it('remsh target — parses name@host:port', () => {
    expect(parseTarget('a@127.0.0.1:9101')).toEqual({
      name: 'a@127.0.0.1',
      host: '127.0.0.1',
      port: 9101,
      connectTo: 'a@127.0.0.1:9101',
    });
  });

  it('remsh target — accepts host:port and learns the name later', () => {
    expect(parseTarget('127.0.0.1:9101')).toMatchObject({ name: undefined, port: 9101 });
  });

  it('remsh target — explains bad targets', () => {
    expect(parseTarget('a@127.0.0.1')).toMatch(/name@host:port/);
    expect(parseTarget('a@127.0.0.1:0')).toMatch(/port/);
  });
});

describe('remsh words', () => {
  it('remsh words — keeps the remainder verbatim, spaces and all', () => {
    expect(takeWords('  b@h  echo  {"a": [1, 2]} ', 2)).toEqual({
      words: ['b@h', 'echo'],
      rest: '{"a": [1, 2]}',
    });
  });

  it('remsh words — gives empty words when input runs out', () => {
    expect(takeWords('ping', 2)).toEqual({ words: ['ping', ''], rest: '' });
  });
});
