import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { node } from '../lib/testing/fixtures.ts';
import { NodeControls } from './node-controls.tsx';
import { PartitionBuilder } from './partition-builder.tsx';

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}@127.0.0.1`);
const noop = () => undefined;
const count = (html: string, needle: string) => html.split(needle).length - 1;

function controls(n: number, status: (name: string) => 'up' | 'down' = () => 'up') {
  const nodes = names(n).map((name) =>
    node(name, { status: status(name), view: { nodes: ['x@h', 'y@h'], hidden: [] } }),
  );
  return renderToStaticMarkup(
    createElement(NodeControls, {
      nodes,
      enabled: true,
      colors: new Map(),
      onKill: noop,
      onRestart: noop,
    }),
  );
}

function builder(n: number) {
  return renderToStaticMarkup(
    createElement(PartitionBuilder, {
      names: names(n),
      enabled: true,
      onPartition: noop,
      onHeal: noop,
    }),
  );
}

describe('node controls', () => {
  it('node controls — a small cluster keeps one row with Kill and Restart per node', () => {
    const html = controls(16);
    expect(count(html, 'data-testid="node-row"')).toBe(16);
    expect(html).toContain('>Kill n16</button>');
    expect(html).toContain('>Restart n1</button>');
    expect(html).not.toContain('Node to kill or restart');
  });

  it('node controls — from 17 nodes one picker and one Kill and Restart for the chosen node', () => {
    const html = controls(100, (name) => (name === 'n42@127.0.0.1' ? 'down' : 'up'));
    expect(count(html, 'data-testid="node-row"')).toBe(0);
    expect(html).toContain('aria-label="Node to kill or restart"');
    expect(count(html, '<option')).toBe(100);
    expect(html).toContain('n42 — down');
    expect(count(html, '>Kill ')).toBe(1);
    expect(html).toContain('>Kill n1</button>');
    expect(html).toContain('>Restart n1</button>');
    expect(html).toContain('data-testid="picked-node" data-node="n1@127.0.0.1" data-status="up"');
    expect(html).toContain('sees 2 nodes');
    // the node that is down is one click away
    expect(html).toContain('100 nodes: 99 up, 1 not up');
    expect(html).toContain('>Pick n42</button>');
    // a bounded page: a handful of buttons, not two per node
    expect(count(html, '<button')).toBeLessThanOrEqual(4);
  });
});

describe('partition builder', () => {
  it('partition builder — a small cluster lists a side chooser for every node', () => {
    const html = builder(16);
    expect(count(html, 'role="radio"')).toBe(48);
    expect(html).toContain('aria-label="n16 on side B"');
    expect(html).not.toContain('Find nodes to place');
  });

  it('partition builder — from 17 nodes a filter and a bounded list, with the same radio names', () => {
    const html = builder(100);
    expect(html).toContain('aria-label="Find nodes to place"');
    expect(count(html, 'role="radio"')).toBe(8 * 3);
    expect(html).toContain('aria-label="n1 on side A"');
    expect(html).toContain('aria-label="n2 on side B"');
    expect(html).toContain('92 more nodes match');
    expect(html).toContain('>Matches to side A</button>');
  });
});
