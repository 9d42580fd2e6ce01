import { describe, expect, it } from 'vitest';
import type { Payload } from '../api.ts';
import { decodeMessage, encodeMessage } from './codec.ts';

describe('pubsub codec', () => {
  it.each<[string, Payload]>([
    ['a string', 'hello: world'],
    ['an empty string', ''],
    ['a number', 42],
    ['null', null],
    ['an object', { a: [1, 'x', { b: true }] }],
    ['an array', [1, 2, 3]],
  ])('pubsub codec — %s keeps its type and value', (_label, message) => {
    for (const topic of ['t', 'prices:eu', '', 'ünïcödé/12:34']) {
      expect(decodeMessage(encodeMessage(topic, message))).toEqual({ topic, message });
    }
  });

  it('pubsub codec — bytes stay bytes', () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const decoded = decodeMessage(encodeMessage('tøpic', bytes));
    expect(decoded?.topic).toBe('tøpic');
    expect(decoded?.message).toBeInstanceOf(Uint8Array);
    expect([...(decoded?.message as Uint8Array)]).toEqual([0, 1, 2, 255]);
  });

  it.each<[string, Payload]>([
    ['a number', 1],
    ['an object', { t: 'x' }],
    ['an unknown kind', 'x1:ab'],
    ['no colon', 's12'],
    ['a topic longer than the frame', 's9:ab'],
    ['bad JSON', 'j1:t{'],
    ['short bytes', new Uint8Array([0])],
    ['bytes with a long topic', new Uint8Array([0, 9, 1])],
  ])('pubsub codec — %s is rejected', (_label, data) => {
    expect(decodeMessage(data)).toBeUndefined();
  });
});
