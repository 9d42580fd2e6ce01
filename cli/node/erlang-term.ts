/**
 * A parser for Erlang term literals typed at `observatory remsh --dist erlang` (`call lists
 * reverse [1,2,3]`): integers, floats, atoms, 'quoted atoms', "strings" (charlists), <<"binaries">>,
 * lists and tuples. Literals only: there are no expressions, so nothing is evaluated.
 */
import { Atom, ErlFloat, Tuple, atom, type Term } from '../../cluster/erlang/index.ts';

export class TermSyntaxError extends Error {
  readonly code = 'bad_term';
}

export function parseTerms(text: string): Term[] {
  const p = new Parser(text);
  const out: Term[] = [];
  p.ws();
  while (!p.done()) {
    out.push(p.term());
    p.ws();
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}
  done(): boolean {
    return this.i >= this.s.length;
  }
  ws(): void {
    while (/\s|,/.test(this.s[this.i] ?? 'x')) this.i++;
  }
  private peek(): string {
    return this.s[this.i] ?? '';
  }
  private expect(c: string): void {
    if (this.s[this.i] !== c) throw new TermSyntaxError(`expected ${c} at ${this.i} in ${this.s}`);
    this.i++;
  }
  term(): Term {
    this.ws();
    const c = this.peek();
    if (c === '[') return this.seq('[', ']');
    if (c === '{') return new Tuple(this.seq('{', '}'));
    if (c === '"') return [...this.quoted('"')].map((ch) => ch.codePointAt(0)!);
    if (c === "'") return atom(this.quoted("'"));
    if (this.s.startsWith('<<', this.i)) {
      this.i += 2;
      const text = this.peek() === '"' ? this.quoted('"') : '';
      this.expect('>');
      this.expect('>');
      return Buffer.from(text, 'utf8');
    }
    const num = /^-?\d+(\.\d+(e[+-]?\d+)?)?/.exec(this.s.slice(this.i));
    if (num !== null) {
      this.i += num[0].length;
      if (num[1] !== undefined) return new ErlFloat(Number(num[0]));
      const big = BigInt(num[0]);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big;
    }
    const word = /^[a-z][A-Za-z0-9_@.]*/.exec(this.s.slice(this.i));
    if (word !== null) {
      this.i += word[0].length;
      if (word[0] === 'true') return true;
      if (word[0] === 'false') return false;
      return new Atom(word[0]);
    }
    throw new TermSyntaxError(
      `unexpected ${JSON.stringify(c || 'end of input')} at ${this.i} in ${this.s}`,
    );
  }
  private seq(open: string, close: string): Term[] {
    this.expect(open);
    const items: Term[] = [];
    this.ws();
    while (this.peek() !== close) {
      if (this.done()) throw new TermSyntaxError(`missing ${close} in ${this.s}`);
      items.push(this.term());
      this.ws();
    }
    this.expect(close);
    return items;
  }
  private quoted(q: string): string {
    this.expect(q);
    let out = '';
    while (this.peek() !== q) {
      if (this.done()) throw new TermSyntaxError(`unterminated ${q} in ${this.s}`);
      if (this.peek() === '\\') this.i++;
      out += this.s[this.i++];
    }
    this.expect(q);
    return out;
  }
}
