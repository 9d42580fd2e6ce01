/**
 * Test helper: a live `erl` that decodes each term it is sent with `binary_to_term/1` and sends
 * back `term_to_binary/2` of it (compressed when asked), over a {packet,4} stdio port.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { decode } from '../etf/decode.ts';
import { encode } from '../etf/encode.ts';
import { atom, tuple, type Term } from '../terms.ts';

const LOOP = `
P = open_port({fd,0,1}, [{packet,4}, binary, eof]),
Loop = fun L() ->
  receive
    {P, {data, B}} ->
      Out = try binary_to_term(B) of
        {plain, T} -> term_to_binary(T, [{minor_version, 2}]);
        {compressed, T} -> term_to_binary(T, [{compressed, 9}, {minor_version, 2}])
      catch C:E -> term_to_binary({erl_rejected, C, E})
      end,
      port_command(P, Out), L();
    {P, eof} -> halt()
  end
end,
Loop().`;

export class ErlCodec {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = Buffer.alloc(0);
  private readonly waiting: ((b: Buffer) => void)[] = [];

  constructor() {
    this.child = spawn('erl', ['-noshell', '-noinput', '-eval', LOOP], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const n = this.buffered.readUInt32BE(0);
        if (this.buffered.length < 4 + n) break;
        const frame = this.buffered.subarray(4, 4 + n);
        this.buffered = this.buffered.subarray(4 + n);
        this.waiting.shift()?.(Buffer.from(frame));
      }
    });
  }

  /** erl's term_to_binary(binary_to_term(encode(T))), raw bytes. */
  async roundTripBytes(t: Term, mode: 'plain' | 'compressed' = 'plain'): Promise<Buffer> {
    const body = encode(tuple(atom(mode), t));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    const reply = new Promise<Buffer>((resolve) => this.waiting.push(resolve));
    this.child.stdin.write(Buffer.concat([header, body]));
    return reply;
  }

  async roundTrip(t: Term, mode: 'plain' | 'compressed' = 'plain'): Promise<Term> {
    return decode(await this.roundTripBytes(t, mode));
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
