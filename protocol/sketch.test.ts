import { describe, expect, it } from 'vitest';
import {
  MAX_SKETCH_CHARS,
  SketchDecodeError,
  createSketch,
  deserializeSketch,
  mergeSerialized,
  mergeSketches,
} from './sketch.ts';

/** Deterministic PRNG so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const QUANTILES = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function expectWithin(actual: number, expected: number): void {
  const error = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / expected;
  expect(error, `actual ${actual} expected ${expected}`).toBeLessThanOrEqual(0.01 + 1e-12);
}

const DISTRIBUTIONS: Record<string, (r: () => number) => number> = {
  uniformBytes: (r) => 1 + Math.floor(r() * 65_536),
  logNormalMs: (r) => Math.exp(-3 + 4 * (r() + r() + r() - 1.5)),
  pareto: (r) => 20 / Math.pow(1 - r() * 0.999999, 1 / 1.2),
  fewValues: (r) => [100, 128, 4096][Math.floor(r() * 3)]!,
};

describe('protocol/sketch', () => {
  for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
    it(`sketch — quantiles within 1% of exact on ${name}`, () => {
      const r = rng(name.length * 7919);
      const values: number[] = [];
      const sketch = createSketch();
      for (let i = 0; i < 20_000; i++) {
        const v = draw(r);
        values.push(v);
        sketch.add(v);
      }
      values.sort((a, b) => a - b);
      expect(sketch.count).toBe(values.length);
      for (const q of QUANTILES) expectWithin(sketch.quantile(q), exact(values, q));
    });
  }

  it('sketch — merging per-node sketches equals one sketch of all values (within 1%)', () => {
    const r = rng(42);
    const all: number[] = [];
    const parts = Array.from({ length: 8 }, (_, node) => {
      const s = createSketch();
      for (let i = 0; i < 3_000; i++) {
        // Each node sees a different range so a merge that averaged would be visibly wrong.
        const v = (node + 1) * 50 * (1 + r() * 10);
        all.push(v);
        s.add(v);
      }
      return s;
    });
    const merged = mergeSketches(parts.map((p) => deserializeSketch(p.serialize())));
    all.sort((a, b) => a - b);
    expect(merged.count).toBe(all.length);
    for (const q of QUANTILES) expectWithin(merged.quantile(q), exact(all, q));
  });

  it('sketch — serialize/deserialize round-trips exactly, zeros and min/max included', () => {
    const s = createSketch();
    for (const v of [0, 0, 1e-12, 3, 3, 17.5, 1e6, 123_456_789]) s.add(v);
    const back = deserializeSketch(s.serialize());
    expect(back.count).toBe(s.count);
    expect(back.min).toBe(0);
    expect(back.max).toBe(123_456_789);
    for (const q of QUANTILES) expect(back.quantile(q)).toBe(s.quantile(q));
    expect(back.serialize()).toBe(s.serialize());
  });

  it('sketch — integer sizes serialize compactly with exact bounds', () => {
    const s = createSketch();
    for (let i = 0; i < 1000; i++) s.add(112);
    const text = s.serialize();
    expect(text.length).toBeLessThanOrEqual(16);
    const back = deserializeSketch(text);
    expect([back.min, back.max, back.count, back.quantile(0.5)]).toEqual([112, 112, 1000, 112]);
  });

  it('sketch — empty sketch serializes and reads as NaN', () => {
    const back = deserializeSketch(createSketch().serialize());
    expect(back.count).toBe(0);
    expect(back.quantile(0.5)).toBeNaN();
  });

  it('sketch — reset empties and the sketch is reusable', () => {
    const s = createSketch();
    for (let i = 1; i <= 1000; i++) s.add(i);
    s.reset();
    expect(s.count).toBe(0);
    s.add(500);
    expect(s.quantile(0)).toBe(500);
    expect(s.quantile(1)).toBe(500);
  });

  it('sketch — ignores negative and non-finite values', () => {
    const s = createSketch();
    s.add(-1);
    s.add(Number.NaN);
    s.add(Number.POSITIVE_INFINITY);
    expect(s.count).toBe(0);
  });

  it('sketch — large counts survive the varint encoding', () => {
    const s = createSketch();
    s.add(100, 2 ** 40 + 3);
    expect(deserializeSketch(s.serialize()).count).toBe(2 ** 40 + 3);
  });

  it('sketch — rejects garbage with SketchDecodeError', () => {
    const good = (() => {
      const s = createSketch();
      s.add(5);
      s.add(50);
      return s.serialize();
    })();
    const bad = [
      '',
      'not base64!',
      'AAAA',
      good.slice(0, -4),
      'A'.repeat(MAX_SKETCH_CHARS + 4),
      good + 'AAAA',
    ];
    for (const text of bad)
      expect(() => deserializeSketch(text), text.slice(0, 20)).toThrow(SketchDecodeError);
  });

  it('sketch — base64 with a bad character, a padding character or a non-ASCII character in any quad is rejected; long sketches decode exactly', () => {
    const s = createSketch();
    for (let v = 1; v < 5_000; v += 37) s.add(v, 1 + (v % 7));
    const good = s.serialize();
    expect(good.length).toBeGreaterThan(64);
    expect(deserializeSketch(good).serialize()).toBe(good);
    for (const at of [0, 1, 2, 3, 5, 17, good.length - 6, good.length - 5]) {
      for (const ch of ['=', '!', '\u00e9', '\u4e00', '-', '_']) {
        const text = good.slice(0, at) + ch + good.slice(at + 1);
        expect(() => deserializeSketch(text), `${ch} at ${at}`).toThrow(/bad base64 character/);
      }
    }
  });

  it('sketch — mergeSerialized equals merging the deserialized sketch, and leaves the target alone on bad input', () => {
    const random = rng(18);
    const parts = Array.from({ length: 50 }, (_, i) => {
      const s = createSketch();
      for (let k = 0; k < 40; k++) s.add(i === 7 ? 0 : Math.floor(random() * 10 ** (1 + (i % 6))));
      return s.serialize();
    });
    const viaObjects = mergeSketches(parts.map((p) => deserializeSketch(p)));
    const direct = createSketch();
    for (const p of parts) mergeSerialized(direct, p);
    expect(direct.serialize()).toBe(viaObjects.serialize());
    expect(direct.count).toBe(50 * 40);

    const before = direct.serialize();
    const truncated = parts[3]!.slice(0, -4);
    expect(() => mergeSerialized(direct, truncated)).toThrow(SketchDecodeError);
    expect(() => mergeSerialized(direct, parts[3]! + 'AAAA')).toThrow(SketchDecodeError);
    expect(direct.serialize()).toBe(before);
  });
});
