import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate, runtimeLabel, shortName } from './format.ts';

describe('format', () => {
  it('format — short names drop the host only', () => {
    expect(shortName('n1@127.0.0.1')).toBe('n1');
    expect(shortName('plain')).toBe('plain');
  });

  it('format — bytes, rates and durations read naturally', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(null)).toBe('—');
    expect(formatRate(1234)).toBe('1.2k');
    expect(formatRate(3.14)).toBe('3.1');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
  });
});

describe('runtimeLabel', () => {
  it('format — a BEAM node is labelled with its OTP release, a TypeScript node not at all', () => {
    expect(runtimeLabel({ runtime: 'beam', beam: { otpRelease: '25' } })).toBe('BEAM OTP 25');
    expect(runtimeLabel({ runtime: 'beam', beam: null })).toBe('BEAM OTP ?');
    expect(runtimeLabel({ runtime: 'node' })).toBeNull();
    expect(runtimeLabel({})).toBeNull();
  });
});
