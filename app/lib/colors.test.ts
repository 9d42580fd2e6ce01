import { describe, expect, it } from 'vitest';
import {
  CONFLICT_COLOR,
  linkLook,
  OWNER_PALETTE,
  ownerColors,
  shardColor,
  UNOWNED_COLOR,
} from './colors.ts';

describe('colors', () => {
  it('colors — an owner keeps its colour whatever order the model lists nodes in', () => {
    const one = ownerColors(['c', 'a', 'b']);
    const two = ownerColors(['b', 'c', 'a']);
    expect([...one]).toEqual([...two]);
    expect(one.get('a')).toBe(OWNER_PALETTE[0]);
  });

  it('colors — distinct owners get distinct colours up to the palette size', () => {
    const names = Array.from({ length: OWNER_PALETTE.length }, (_, i) => `n${i}`);
    expect(new Set(ownerColors(names).values()).size).toBe(OWNER_PALETTE.length);
  });

  it('colors — unowned and unknown owners are grey, never the conflict red', () => {
    const colors = ownerColors(['a']);
    expect(shardColor(null, colors)).toBe(UNOWNED_COLOR);
    expect(shardColor('zz', colors)).toBe(UNOWNED_COLOR);
    expect(shardColor('a', colors)).not.toBe(CONFLICT_COLOR);
  });

  it('colors — a blackhole shows as blackholed whatever the ends report', () => {
    expect(linkLook('up', true)).toBe('blackholed');
    expect(linkLook('asymmetric', false)).toBe('asymmetric');
  });
});
