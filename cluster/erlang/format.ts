/**
 * Terms in Erlang's term syntax, as `io:format("~p")` prints them on one line (remote pids,
 * ports and references show their node, which a shell would show as a node index).
 */
import { Atom, BitBinary, ErlFloat, ImproperList, OpaqueFun } from './terms.ts';
import { Pid, Port, Ref, Tuple, type Term } from './terms.ts';

export function formatTerm(t: Term): string {
  switch (typeof t) {
    case 'number':
      return Number.isInteger(t) ? String(t) : formatFloat(t);
    case 'bigint':
      return t.toString();
    case 'boolean':
      return String(t);
    case 'string':
      return formatBinary(Buffer.from(t, 'utf8'));
  }
  if (t instanceof Atom) return formatAtom(t.name);
  if (t instanceof ErlFloat) return formatFloat(t.value);
  if (t instanceof Uint8Array) return formatBinary(t);
  if (t instanceof BitBinary) {
    const whole = Array.from(t.bytes.subarray(0, -1));
    const last = t.bytes[t.bytes.length - 1]! >> (8 - t.bits);
    return `<<${[...whole.map(String), `${last}:${t.bits}`].join(',')}>>`;
  }
  if (Array.isArray(t)) {
    const list = t as readonly Term[];
    if (list.length > 0 && list.every((x) => typeof x === 'number' && isPrintable(x)))
      return JSON.stringify(String.fromCharCode(...(list as number[])));
    return `[${list.map(formatTerm).join(',')}]`;
  }
  if (t instanceof ImproperList)
    return `[${t.elements.map(formatTerm).join(',')}|${formatTerm(t.tail)}]`;
  if (t instanceof Tuple) return `{${t.elements.map(formatTerm).join(',')}}`;
  if (t instanceof Map)
    return `#{${[...(t as Map<Term, Term>)].map(([k, v]) => `${formatTerm(k)} => ${formatTerm(v)}`).join(',')}}`;
  if (t instanceof Pid) return `<${formatAtom(t.node.name)}.${t.id}.${t.serial}>`;
  if (t instanceof Port) return `#Port<${formatAtom(t.node.name)}.${t.id}>`;
  if (t instanceof Ref) return `#Ref<${formatAtom(t.node.name)}.${[...t.ids].reverse().join('.')}>`;
  if (t instanceof OpaqueFun) return '#Fun<>';
  return `#{${Object.entries(t)
    .map(([k, v]) => `${formatAtom(k)} => ${formatTerm(v as Term)}`)
    .join(',')}}`;
}

/** Erlang prints floats with a decimal point always (`1.0`, `1.0e300`). */
function formatFloat(v: number): string {
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  if (/e/.test(s)) {
    const [m, e] = s.split('e') as [string, string];
    return `${m.includes('.') ? m : `${m}.0`}e${e.replace('+', '')}`;
  }
  return s.includes('.') ? s : `${s}.0`;
}

export function formatAtom(name: string): string {
  if (/^[a-z][A-Za-z0-9_@]*$/.test(name) && !RESERVED.has(name)) return name;
  return `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const RESERVED = new Set(
  'after and andalso band begin bnot bor bsl bsr bxor case catch cond div end fun if let not of or orelse receive rem try when xor maybe else'.split(
    ' ',
  ),
);

function isPrintable(c: number): boolean {
  return (c >= 32 && c < 127) || c === 10 || c === 9;
}

function formatBinary(b: Uint8Array): string {
  if (b.length > 0 && b.every(isPrintable))
    return `<<${JSON.stringify(Buffer.from(b).toString('latin1'))}>>`;
  return `<<${Array.from(b).join(',')}>>`;
}
