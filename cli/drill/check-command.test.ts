import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateHistory, seeded, toLines } from '../../cluster/check/testing/generate.ts';

const BIN = fileURLToPath(new URL('../../bin/observatory.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'check-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(lines: string[] | string): string {
  const path = join(dir, `h${files++}.jsonl`);
  writeFileSync(path, Array.isArray(lines) ? `${lines.join('\n')}\n` : lines);
  return path;
}
const ev = (index: number, process: number, type: string, f: string, value: unknown) =>
  JSON.stringify({ index, process, type, f, key: 'k', value, time: index * 1000 });
const observatory = (args: string[]) =>
  spawnSync(process.execPath, [BIN, 'check', ...args], { encoding: 'utf8', timeout: 30_000 });

describe('observatory check', () => {
  it('check — a linearizable history exits 0', () => {
    const g = generateHistory({
      model: 'register',
      operations: 300,
      processes: 4,
      keys: 5,
      random: seeded(7),
    });
    const r = observatory([file(toLines(g.events)), '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { verdict: string; operations: number; keys: number };
    expect(report).toMatchObject({ verdict: 'pass', operations: 300, keys: 5 });
  });

  it('check — a stale read exits 1 and names the window: which clients, which values', () => {
    const r = observatory([
      file([
        ev(0, 0, 'invoke', 'write', 1),
        ev(1, 0, 'ok', 'write', 1),
        ev(2, 1, 'invoke', 'write', 2),
        ev(3, 1, 'ok', 'write', 2),
        ev(4, 2, 'invoke', 'read', null),
        ev(5, 2, 'ok', 'read', 1),
      ]),
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/linearizability \(register\): FAIL/);
    expect(r.stdout).toMatch(/process 0: write 1/);
    expect(r.stdout).toMatch(/process 1: write 2/);
    expect(r.stdout).toMatch(/process 2: read → 1/);
  });

  it('check — the counter model counts every acknowledged add exactly once', () => {
    const adds = [ev(0, 0, 'invoke', 'add', 2), ev(1, 0, 'ok', 'add', 2)];
    const read = (v: number) => [ev(2, 1, 'invoke', 'read', null), ev(3, 1, 'ok', 'read', v)];
    expect(observatory([file([...adds, ...read(2)]), '--model', 'counter']).status).toBe(0);
    expect(observatory([file([...adds, ...read(4)]), '--model', 'counter']).status).toBe(1);
  });

  it('check — a budget that runs out is unknown and exits 1, never 0', () => {
    const g = generateHistory({
      model: 'register',
      operations: 200,
      processes: 6,
      keys: 1,
      random: seeded(3),
    });
    const r = observatory([file(toLines(g.events)), '--max-states', '2', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'unknown', keysUnknown: 1 });
  });

  const bad: [string, string[] | string, RegExp][] = [
    ['a malformed line', [ev(0, 0, 'invoke', 'read', null), '{"index":1,'], /line 2: not JSON/],
    ['an unknown f', [ev(0, 0, 'invoke', 'delete', null)], /line 1: unknown "f" "delete"/],
    [
      'ok with no invoke',
      [ev(0, 3, 'ok', 'read', 1)],
      /line 1: ok read by process 3, which has no pending invoke/,
    ],
  ];
  for (const [what, lines, message] of bad) {
    it(`check — ${what} exits 2 with the line number`, () => {
      const r = observatory([file(lines)]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    });
  }

  it('check — a missing file or a bad model exits 2', () => {
    expect(observatory([join(dir, 'missing.jsonl')]).stderr).toMatch(/ENOENT/);
    expect(observatory([join(dir, 'missing.jsonl')]).status).toBe(2);
    const r = observatory([file([]), '--model', 'queue']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--model: must be 'register' or 'counter'/);
  });
});
