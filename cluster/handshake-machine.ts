import type { NodeName } from './api.ts';
import { PROTOCOL_VERSION } from './constants.ts';
import { ProtocolError } from './errors.ts';
import * as hs from './handshake.ts';
import { Kind } from './wire/kinds.ts';

/** Who we are, as the handshake tells it. `addr` is read when sent (it is set once bound). */
export interface HandshakeIdentity {
  readonly name: NodeName;
  readonly hidden: boolean;
  readonly addr: string;
  readonly tls: boolean;
  readonly boot: string;
  readonly cookie: string;
}

/** What the handshake asks of its connection and node: the whole of its view of the world. */
export interface HandshakePort {
  readonly self: HandshakeIdentity;
  send(kind: number, body: string): void;
  /** the peer named itself (unproven); false = a blackhole swallows the handshake */
  named(peer: NodeName): boolean;
  /**
   * Checks on a claimed name, before any proof (see `admission.ts`): never arbitration between
   * claimants. `dialedByName`: an acceptor's peer dialed us by our name (HELLO `to`).
   */
  admitClaimed(peer: NodeName, dialedByName: boolean): hs.RejectReason | 'already' | null;
  /** the peer proved the cookie: arbitration by name (duplicate, simultaneous) happens here */
  admitProven(peer: NodeName): hs.RejectReason | null;
  newChallenge(): string;
  /** the challenges this node has outstanding, on all its connections */
  readonly outstanding: Set<string>;
}

/** What a frame did to the handshake. */
export type Step =
  /** keep waiting for the peer's next message */
  | { readonly t: 'wait' }
  /** the handshake is complete: the peer proved the cookie and so did we (or will, with ACK) */
  | { readonly t: 'up' }
  /** we refused the peer and sent REJECT: flush and end the connection */
  | { readonly t: 'refused'; readonly reason: hs.RejectReason; readonly detail: string }
  /**
   * it ended without a link: the peer refused us, failed the proof, or (quiet) another dial wins.
   * `rejectedWith` is the peer's reason; the machine's `proven` says whether the refusal proved
   * the cookie (a name only a proof or our own dial names may turn it into "linked already").
   */
  | {
      readonly t: 'failed';
      readonly detail: string;
      readonly rejectedWith?: hs.RejectReason;
      readonly quiet?: boolean;
    };

type Phase = 'hello' | 'challenge' | 'reply' | 'ack' | 'done';

const WAIT: Step = { t: 'wait' };

/**
 * The handshake of one connection, both roles, as a push state machine: frames in, steps out,
 * no socket and no timer (the connection owns those). The initiator sends HELLO from `start`;
 * the acceptor waits for it. Arbitration by name runs only once the peer has proved the cookie,
 * so a stranger claiming a member's name decides nothing, and only a refusal carrying a proof
 * can tell an initiator that it is linked already.
 */
export class HandshakeMachine {
  peer: NodeName | undefined;
  peerHidden = false;
  peerAddr = '';
  /** whether the peer proved it knows the cookie */
  proven = false;
  private phase: Phase;
  private hello: Buffer = Buffer.alloc(0);
  private challenge: Buffer = Buffer.alloc(0);
  private myChallenge = '';
  private transcript: hs.Transcript | null = null;

  constructor(
    private readonly port: HandshakePort,
    readonly initiator: boolean,
    /** initiator: the name we dialed, if the target named it */
    readonly expectedPeer?: NodeName,
  ) {
    this.peer = expectedPeer;
    this.phase = initiator ? 'challenge' : 'hello';
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Initiator: sends HELLO. */
  start(): void {
    if (!this.initiator) return;
    const s = this.port.self;
    const hello: hs.Hello = {
      v: PROTOCOL_VERSION,
      name: s.name,
      hidden: s.hidden,
      addr: s.addr,
      tls: s.tls,
      boot: s.boot,
      to: this.expectedPeer ?? '',
    };
    const body = JSON.stringify(hello);
    this.hello = Buffer.from(body, 'utf8');
    this.port.send(Kind.HELLO, body);
  }

  /** Forgets this connection's outstanding challenge (call once the connection is done). */
  dispose(): void {
    if (this.myChallenge !== '') this.port.outstanding.delete(this.myChallenge);
    this.phase = 'done';
  }

  /** Feeds one handshake frame; throws ProtocolError on what no honest peer sends. */
  push(kind: number, body: Buffer): Step {
    if (this.phase === 'done') throw new ProtocolError('handshake frame after the handshake');
    if (kind === Kind.REJECT) return this.onReject(body);
    if (kind === Kind.HELLO && this.phase === 'hello') return this.onHello(body);
    if (kind === Kind.CHALLENGE && this.phase === 'challenge') return this.onChallenge(body);
    if (kind === Kind.CHALLENGE_REPLY && this.phase === 'reply') return this.onReply(body);
    if (kind === Kind.CHALLENGE_ACK && this.phase === 'ack') return this.onAck(body);
    throw new ProtocolError(`unexpected handshake message ${kind}`);
  }

  private onReject(body: Buffer): Step {
    const r = hs.parseReject(parse(body));
    const t = this.transcript;
    // only a refusal after our proof can carry one of its own, and only such a one proves who
    // refused; the link table trusts any other only for the name it dialed (see handshakeFailed)
    if (
      this.initiator &&
      this.phase === 'ack' &&
      t !== null &&
      r.digest !== undefined &&
      hs.verifyMac(this.port.self.cookie, hs.rejectRole(r.reason), t, r.digest)
    ) {
      this.proven = true;
      return this.finish({ t: 'failed', detail: `rejected: ${r.reason}`, rejectedWith: r.reason });
    }
    return this.finish({ t: 'failed', detail: `rejected: ${r.reason}`, rejectedWith: r.reason });
  }

  /** Acceptor: a peer introduces itself. Nothing here is proven yet. */
  private onHello(body: Buffer): Step {
    const raw = parse(body);
    if (hs.parseVersion(raw) !== PROTOCOL_VERSION)
      return this.refuse('version', `peer speaks protocol ${hs.parseVersion(raw)}`);
    const h = hs.parseHello(raw);
    this.peer = h.name;
    if (!this.port.named(h.name)) return WAIT; // a blackhole swallows handshakes too
    if (h.tls !== this.port.self.tls) return this.refuse('tls', `${h.name} disagrees on TLS`);
    const verdict = this.port.admitClaimed(h.name, h.to === this.port.self.name);
    if (verdict === 'already') throw new ProtocolError('admission answered already to an acceptor');
    if (verdict !== null) return this.refuse(verdict, `refused ${h.name}: ${verdict}`);
    this.peerHidden = h.hidden;
    this.peerAddr = h.addr;
    this.hello = Buffer.from(body);
    this.myChallenge = this.issueChallenge();
    const s = this.port.self;
    const ch: hs.Challenge = {
      v: PROTOCOL_VERSION,
      name: s.name,
      hidden: s.hidden,
      addr: s.addr,
      tls: s.tls,
      boot: s.boot,
      challenge: this.myChallenge,
    };
    const out = JSON.stringify(ch);
    this.challenge = Buffer.from(out, 'utf8');
    this.phase = 'reply';
    this.port.send(Kind.CHALLENGE, out);
    return WAIT;
  }

  /** Initiator: the acceptor names itself and challenges us. Nothing here is proven yet. */
  private onChallenge(body: Buffer): Step {
    const raw = parse(body);
    if (hs.parseVersion(raw) !== PROTOCOL_VERSION)
      return this.refuse('version', `peer speaks protocol ${hs.parseVersion(raw)}`);
    const ch = hs.parseChallenge(raw);
    if (this.expectedPeer !== undefined && ch.name !== this.expectedPeer)
      return this.refuse('bad_name', `expected ${this.expectedPeer}, peer is ${ch.name}`);
    this.peer = ch.name;
    if (!this.port.named(ch.name)) return WAIT;
    if (ch.tls !== this.port.self.tls) return this.refuse('tls', `${ch.name} disagrees on TLS`);
    // a challenge we issued ourselves, handed back to us for an answer: a reflection
    if (!hs.isGoodChallenge(ch.challenge) || this.port.outstanding.has(ch.challenge))
      return this.refuse('bad_challenge', `${ch.name} sent a bad or reflected challenge`);
    const verdict = this.port.admitClaimed(ch.name, false);
    if (verdict === 'already')
      return this.finish({ t: 'failed', detail: 'already connected', quiet: true });
    if (verdict !== null) return this.refuse(verdict, `refused ${ch.name}: ${verdict}`);
    this.peerHidden = ch.hidden;
    this.peerAddr = ch.addr;
    this.challenge = Buffer.from(body);
    this.myChallenge = this.issueChallenge();
    const t = {
      hello: this.hello,
      challenge: this.challenge,
      initiatorChallenge: this.myChallenge,
    };
    this.transcript = t;
    const reply: hs.ChallengeReply = {
      challenge: this.myChallenge,
      digest: hs.transcriptMac(this.port.self.cookie, 'I', t),
    };
    this.phase = 'ack';
    this.port.send(Kind.CHALLENGE_REPLY, JSON.stringify(reply));
    return WAIT;
  }

  /** Acceptor: the initiator's proof, then arbitration, then ours. */
  private onReply(body: Buffer): Step {
    const reply = hs.parseReply(parse(body));
    if (!hs.isGoodChallenge(reply.challenge) || this.port.outstanding.has(reply.challenge))
      return this.refuse('bad_challenge', `${this.peer} sent a bad or reflected challenge`);
    const t = { hello: this.hello, challenge: this.challenge, initiatorChallenge: reply.challenge };
    const cookie = this.port.self.cookie;
    if (!hs.verifyMac(cookie, 'I', t, reply.digest))
      return this.refuse('bad_cookie', `${this.peer} failed the cookie challenge`);
    this.proven = true;
    this.transcript = t;
    const verdict = this.port.admitProven(this.peer!);
    if (verdict !== null) {
      const digest = hs.transcriptMac(cookie, hs.rejectRole(verdict), t);
      return this.refuse(verdict, `refused ${this.peer}: ${verdict}`, digest);
    }
    const ack: hs.ChallengeAck = { digest: hs.transcriptMac(cookie, 'A', t) };
    this.port.send(Kind.CHALLENGE_ACK, JSON.stringify(ack));
    return this.finish({ t: 'up' });
  }

  /** Initiator: the acceptor's proof. */
  private onAck(body: Buffer): Step {
    const ack = hs.parseAck(parse(body));
    if (!hs.verifyMac(this.port.self.cookie, 'A', this.transcript!, ack.digest))
      return this.finish({ t: 'failed', detail: 'bad_cookie', rejectedWith: 'bad_cookie' });
    this.proven = true;
    return this.finish({ t: 'up' });
  }

  private issueChallenge(): string {
    const c = this.port.newChallenge();
    this.port.outstanding.add(c);
    return c;
  }

  private refuse(reason: hs.RejectReason, detail: string, digest?: string): Step {
    const rejection: hs.Reject =
      digest === undefined
        ? { reason, name: this.port.self.name }
        : { reason, name: this.port.self.name, digest };
    this.port.send(Kind.REJECT, JSON.stringify(rejection));
    return this.finish({ t: 'refused', reason, detail });
  }

  private finish(step: Step): Step {
    this.dispose();
    return step;
  }
}

const isArbitration = (reason: hs.RejectReason | undefined) =>
  reason === 'simultaneous' || reason === 'duplicate';

/**
 * How a connection reports a handshake that ended without a link: log line and counter. Two
 * nodes that dial each other at once, or a dial to a node already linked, end with one side
 * refusing the other: expected arbitration, which every mesh start has once per pair. It is
 * logged at debug and counted in `handshake_arbitrations`; warnings are kept for what an
 * operator must act on (issue #17).
 */
export function describeEnd(step: Extract<Step, { t: 'refused' | 'failed' }>): {
  readonly level: 'debug' | 'warn' | null;
  readonly message: string;
  readonly data: Record<string, unknown>;
  /** the stat it counts in, if any */
  readonly counter: 'handshake_failures' | 'handshake_arbitrations' | null;
} {
  if (step.t === 'refused') {
    const { reason, detail } = step;
    const arbitration = isArbitration(reason);
    return {
      level: arbitration ? 'debug' : 'warn',
      message: 'handshake refused',
      data: { reason, detail },
      counter: arbitration ? 'handshake_arbitrations' : 'handshake_failures',
    };
  }
  if (step.rejectedWith === 'bad_cookie' && step.detail === 'bad_cookie')
    return {
      level: 'warn',
      message: 'handshake failed: peer does not know the cookie',
      data: {},
      counter: 'handshake_failures',
    };
  if (step.quiet === true) return { level: null, message: '', data: {}, counter: null };
  const arbitration = isArbitration(step.rejectedWith);
  return {
    level: arbitration ? 'debug' : 'warn',
    message: 'handshake rejected by peer',
    data: { detail: step.detail },
    counter: arbitration ? 'handshake_arbitrations' : null,
  };
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (cause) {
    throw new ProtocolError('bad JSON in handshake frame', { cause });
  }
}
