import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from './errors.ts';
import { HistoryParser, parseHistory } from './history.ts';
import { counterModel, registerModel } from './models.ts';

const line = (o: Record<string, unknown>): string => JSON.stringify(o);
const inv = (index: number, process: number, f: string, value: unknown = null, key = 'k') =>
  line({ index, process, type: 'invoke', f, key, value, time: index * 10 });
const done = (
  index: number,
  process: number,
  type: string,
  f: string,
  value: unknown = null,
  key = 'k',
) => line({ index, process, type, f, key, value, time: index * 10 });

function errorOf(text: string, model = registerModel): HistoryFormatError {
  try {
    parseHistory(text, model);
  } catch (err) {
    if (err instanceof HistoryFormatError) return err;
    throw err;
  }
  throw new Error('parsed without an error');
}

describe('history — parsing', () => {
  it('history — pairs invokes with completions per process, keeps nemesis events apart', () => {
    const h = parseHistory(
      [
        inv(0, 0, 'write', 1),
        line({
          index: 1,
          process: 'nemesis',
          type: 'info',
          f: 'partition',
          value: ['n1'],
          time: 15,
        }),
        inv(2, 1, 'read'),
        done(3, 0, 'ok', 'write', 1),
        done(4, 1, 'ok', 'read', 1),
        inv(5, 0, 'cas', [1, 2]),
        done(6, 0, 'fail', 'cas', [1, 2]),
        inv(7, 1, 'write', 3),
        '',
      ].join('\n'),
      registerModel,
    );
    expect(h.lines).toBe(8);
    expect(h.nemesis).toEqual([
      { index: 1, type: 'info', f: 'partition', value: ['n1'], time: 15, line: 2 },
    ]);
    expect(h.operations.map((o) => [o.process, o.f, o.type, o.input, o.output])).toEqual([
      [0, 'write', 'ok', 1, undefined],
      [1, 'read', 'ok', null, 1],
      [0, 'cas', 'fail', [1, 2], undefined],
      // never completed: may or may not have happened
      [1, 'write', 'info', 3, undefined],
    ]);
    expect(h.operations[0]).toMatchObject({
      invokeLine: 1,
      completeLine: 4,
      invokeTime: 0,
      completeTime: 30,
    });
    expect(h.operations[3]).toMatchObject({ completeLine: null, completeTime: null });
  });

  it('history — a push parser takes one line at a time', () => {
    const p = new HistoryParser(counterModel);
    p.push(inv(0, 0, 'add', 5));
    p.push(line({ index: 1, process: 0, type: 'ok', f: 'add', key: 'k', time: 1 }));
    expect(p.finish().operations[0]).toMatchObject({ f: 'add', input: 5, type: 'ok' });
  });

  const cases: [string, string, RegExp, number][] = [
    ['malformed JSON', `${inv(0, 0, 'read')}\n{"index": 1,`, /^line 2: not JSON/, 2],
    ['not an object', '[1,2]', /^line 1: not a JSON object/, 1],
    [
      'an unknown field',
      line({ index: 0, process: 0, type: 'invoke', f: 'read', key: 'k', time: 0, extra: 1 }),
      /unknown field "extra"/,
      1,
    ],
    [
      'an unknown f',
      inv(0, 0, 'delete'),
      /^line 1: unknown "f" "delete" for the register model \(read, write, cas\)/,
      1,
    ],
    [
      'an ok with no invoke',
      `${inv(0, 0, 'read')}\n${done(1, 1, 'ok', 'read', 1)}`,
      /^line 2: ok read by process 1, which has no pending invoke/,
      2,
    ],
    [
      'a second invoke while one is pending',
      `${inv(0, 0, 'read')}\n${inv(1, 0, 'write', 2)}`,
      /^line 2: process 0 invoked write while its read \(line 1\) is still pending/,
      2,
    ],
    [
      'a completion of another f',
      `${inv(0, 0, 'read')}\n${done(1, 0, 'ok', 'write', 2)}`,
      /whose pending invoke \(line 1\) is read/,
      2,
    ],
    [
      'a completion on another key',
      `${inv(0, 0, 'read')}\n${done(1, 0, 'ok', 'read', 2, 'other')}`,
      /on key "other", whose invoke \(line 1\) was on key "k"/,
      2,
    ],
    [
      'a completion with another written value',
      `${inv(0, 0, 'write', 1)}\n${done(1, 0, 'ok', 'write', 2)}`,
      /carries 2, its invoke \(line 1\) 1/,
      2,
    ],
    [
      'an index that does not increase',
      `${inv(3, 0, 'read')}\n${done(3, 0, 'ok', 'read', 1)}`,
      /^line 2: "index" 3 does not increase/,
      2,
    ],
    [
      'time going backwards',
      `${inv(5, 0, 'read')}\n${line({ index: 6, process: 0, type: 'ok', f: 'read', key: 'k', value: 1, time: 1 })}`,
      /^line 2: "time" 1 goes backwards/,
      2,
    ],
    [
      'a bad type',
      line({ index: 0, process: 0, type: 'done', f: 'read', key: 'k', time: 0 }),
      /"type" must be invoke, ok, fail or info/,
      1,
    ],
    [
      'a bad process',
      line({ index: 0, process: -1, type: 'invoke', f: 'read', key: 'k', time: 0 }),
      /"process" must be a non-negative integer or "nemesis"/,
      1,
    ],
    [
      'a missing key',
      line({ index: 0, process: 0, type: 'invoke', f: 'read', time: 0 }),
      /"key" must be a string or an integer/,
      1,
    ],
    ['a bad cas value', inv(0, 0, 'cas', 3), /a cas value must be \[expected, new\]/, 1],
    [
      'an object as a written value',
      inv(0, 0, 'write', { a: 1 }),
      /a write's value must be null, a boolean/,
      1,
    ],
    [
      'an empty line',
      `${inv(0, 0, 'read')}\n\n${done(1, 0, 'ok', 'read', 1)}`,
      /^line 2: empty line/,
      2,
    ],
  ];
  for (const [what, text, message, lineNo] of cases) {
    it(`history — rejects ${what} with its line number`, () => {
      const err = errorOf(text);
      expect(err.code).toBe('bad_history');
      expect(err.line).toBe(lineNo);
      expect(err.message).toMatch(message);
    });
  }

  it('history — counter reads and adds must be safe integers', () => {
    expect(errorOf(inv(0, 0, 'add', 1.5), counterModel).message).toMatch(
      /an add's value must be a safe integer/,
    );
    expect(
      errorOf(`${inv(0, 0, 'read')}\n${done(1, 0, 'ok', 'read', 'x')}`, counterModel).message,
    ).toMatch(/^line 2: an ok read's value must be a safe integer/);
  });
});
