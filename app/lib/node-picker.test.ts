import { describe, expect, it } from 'vitest';
import { matchNodes, pickerRows, placeAll, PICKER_ROWS_SHOWN } from './node-picker.ts';
import type { Side } from './partition.ts';

const names = Array.from({ length: 100 }, (_, i) => `n${i + 1}@127.0.0.1`);

describe('node picker', () => {
  it('node picker — a short name picks that node alone, not every name it begins', () => {
    expect(matchNodes(names, 'n1')).toEqual(['n1@127.0.0.1']);
    expect(matchNodes(names, ' N42 ')).toEqual(['n42@127.0.0.1']);
  });

  it('node picker — other text matches as a case-insensitive substring, blank matches all', () => {
    expect(matchNodes(names, '9@')).toEqual([
      'n9@127.0.0.1',
      'n19@127.0.0.1',
      'n29@127.0.0.1',
      'n39@127.0.0.1',
      'n49@127.0.0.1',
      'n59@127.0.0.1',
      'n69@127.0.0.1',
      'n79@127.0.0.1',
      'n89@127.0.0.1',
      'n99@127.0.0.1',
    ]);
    expect(matchNodes(names, 'n10')).toEqual(['n10@127.0.0.1']);
    expect(matchNodes(names, 'n10@')).toEqual(['n10@127.0.0.1']);
    expect(matchNodes(names, 'x')).toEqual([]);
    expect(matchNodes(names, '')).toHaveLength(100);
    expect(matchNodes(['a@h', 'b@h'], '@H')).toEqual(['a@h', 'b@h']);
  });

  it('node picker — the partition list shows placed nodes and a bounded number of matches', () => {
    const empty = pickerRows(names, new Map(), '');
    expect(empty.shown).toEqual(names.slice(0, PICKER_ROWS_SHOWN));
    expect(empty.more).toBe(100 - PICKER_ROWS_SHOWN);

    const placed = new Map<string, Side>([
      ['n50@127.0.0.1', 'A'],
      ['n3@127.0.0.1', 'B'],
      ['n2@127.0.0.1', null],
    ]);
    const rows = pickerRows(names, placed, '', 3);
    // placed nodes stay listed whatever the filter; a node taken off its side counts as unplaced
    expect(rows.shown).toEqual([
      'n1@127.0.0.1',
      'n2@127.0.0.1',
      'n3@127.0.0.1',
      'n4@127.0.0.1',
      'n50@127.0.0.1',
    ]);
    expect(rows.more).toBe(100 - 2 - 3);
    expect(pickerRows(names, placed, 'n7').shown).toEqual([
      'n3@127.0.0.1',
      'n7@127.0.0.1',
      'n50@127.0.0.1',
    ]);
    expect(pickerRows(names, placed, 'n7').more).toBe(0);
  });

  it('node picker — placing all matches sets each side and leaves the others as they were', () => {
    const before = new Map<string, Side>([['n1@127.0.0.1', 'A']]);
    const after = placeAll(before, ['n2@127.0.0.1', 'n1@127.0.0.1'], 'B');
    expect([...after]).toEqual([
      ['n1@127.0.0.1', 'B'],
      ['n2@127.0.0.1', 'B'],
    ]);
    expect(before.get('n1@127.0.0.1')).toBe('A');
  });
});
