import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DrillHistories } from './history-files.ts';
import { LOST_ADD_HISTORY } from './testing/histories.ts';

describe('drill history files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'drill-histories-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('history files — only a UUID names a file: anything else is refused before the file system', () => {
    const h = new DrillHistories({ dir: join(root, 'h') });
    const id = randomUUID();
    expect(h.path(id)).toBe(join(root, 'h', `${id}.jsonl`));
    for (const bad of ['../../etc/passwd', `${id}/../x`, `${id}x`, '', 'a'.repeat(36)]) {
      expect(() => h.path(bad)).toThrow(/a drill id is a UUID/);
    }
  });

  it('history files — prepare makes a private directory; size, timeline and remove of a file', async () => {
    const h = new DrillHistories({ dir: join(root, 'h') });
    h.prepare();
    expect(statSync(h.dir).mode & 0o777).toBe(0o700);
    const id = randomUUID();
    expect(await h.size(id)).toBeUndefined();
    expect(await h.timeline(id, undefined)).toBeUndefined();
    const text = LOST_ADD_HISTORY.join('\n') + '\n';
    writeFileSync(h.path(id), text);
    expect(await h.size(id)).toBe(Buffer.byteLength(text));
    const t = await h.timeline(id, {
      linearizability: { failures: [{ window: [{ invokeIndex: 9 }] }] },
    });
    expect(t).toMatchObject({ processes: [0, 1, 2, 3], totalOps: 5 });
    expect(t!.ops.filter((o) => o.window).map((o) => o.index)).toEqual([9]);
    await h.remove([id, randomUUID()]);
    expect(existsSync(h.path(id))).toBe(false);
  });

  it('history files — over the byte cap, the oldest files are deleted first', async () => {
    const h = new DrillHistories({ dir: root, maxBytes: 250 });
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    ids.forEach((id, i) => {
      writeFileSync(h.path(id), 'x'.repeat(100));
      // oldest first: ids[0] is the oldest
      utimesSync(h.path(id), 1_000 + i, 1_000 + i);
    });
    writeFileSync(join(root, 'not-a-run.jsonl'), 'x'.repeat(1_000));
    const deleted = await h.enforceCap();
    expect(deleted.sort()).toEqual([ids[0], ids[1]].sort());
    expect(ids.map((id) => existsSync(h.path(id)))).toEqual([false, false, true, true]);
    // files it did not name are not its to delete
    expect(existsSync(join(root, 'not-a-run.jsonl'))).toBe(true);
    expect(await h.enforceCap()).toEqual([]);
    expect(await new DrillHistories({ dir: join(root, 'missing') }).enforceCap()).toEqual([]);
  });
});
