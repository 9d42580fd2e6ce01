import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { LabNodes } from './nodes.ts';
import { labNodeNice, LAB_NODE_NICE } from './scale.ts';

// A stand-in node process: says it listens, then idles until stopped.
const FAKE_NODE = [
  process.execPath,
  '-e',
  'console.log(JSON.stringify({ event: "listening" })); setInterval(() => {}, 1000);',
];

let nodes: LabNodes | undefined;
afterEach(async () => {
  await nodes?.stop();
  nodes = undefined;
});

function lab(nice?: number) {
  return new LabNodes({
    nodes: [{ name: 'n1', host: '127.0.0.1', port: 1 }],
    cookie: 'nice-test-cookie',
    observatoryUrl: 'http://127.0.0.1:1',
    agentToken: 'nice-test-agent-token',
    command: FAKE_NODE,
    ...(nice !== undefined && { nice }),
  });
}

describe('lab priority', () => {
  it('lab priority — a large lab runs its nodes below the server, a small one beside it', () => {
    expect(labNodeNice(100)).toBe(LAB_NODE_NICE);
    expect(labNodeNice(17)).toBe(LAB_NODE_NICE);
    expect(labNodeNice(16)).toBe(0);
    expect(labNodeNice(3)).toBe(0);
  });

  it('lab priority — node processes are started at the niceness asked, the server keeps its own', async () => {
    nodes = lab(LAB_NODE_NICE);
    await nodes.start();
    const pid = Object.values(nodes.pids())[0]!;
    expect(getPriority(pid)).toBe(Math.min(19, getPriority() + LAB_NODE_NICE));
    await nodes.stop();
    nodes = lab();
    await nodes.start();
    expect(getPriority(Object.values(nodes.pids())[0])).toBe(getPriority());
  });
});
