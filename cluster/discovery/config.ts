import { z } from 'zod';
import {
  DEFAULT_DNS_INTERVAL_MS,
  DEFAULT_DNS_TIMEOUT_MS,
  DEFAULT_GOSSIP_GROUP,
  DEFAULT_GOSSIP_INTERFACE,
  DEFAULT_GOSSIP_INTERVAL_MS,
  DEFAULT_GOSSIP_MAX_AGE_MS,
  DEFAULT_GOSSIP_PORT,
} from './constants.ts';

const hostPort = z
  .string()
  .trim()
  .regex(/^([^@\s]+@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port');
const ms = z.number().int().positive();
const ipv4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'expected an IPv4 address');

/** Retry tuning common to all strategies; every field defaults (see constants.ts). */
const retry = {
  backoffInitialMs: ms.optional(),
  backoffMaxMs: ms.optional(),
  backoffJitter: z.number().min(0).max(1).optional(),
  recheckIntervalMs: ms.optional(),
  connectTimeoutMs: ms.optional(),
};

export const staticConfigSchema = z.object({
  strategy: z.literal('static'),
  seeds: z.array(hostPort).default([]),
  ...retry,
});

export const gossipConfigSchema = z.object({
  strategy: z.literal('gossip'),
  group: ipv4.default(DEFAULT_GOSSIP_GROUP),
  port: z.number().int().min(1).max(65_535).default(DEFAULT_GOSSIP_PORT),
  multicastInterface: ipv4.default(DEFAULT_GOSSIP_INTERFACE),
  intervalMs: ms.default(DEFAULT_GOSSIP_INTERVAL_MS),
  maxAgeMs: ms.default(DEFAULT_GOSSIP_MAX_AGE_MS),
  ...retry,
});

export const dnsConfigSchema = z
  .object({
    strategy: z.literal('dns'),
    query: z.string().trim().min(1, 'a DNS name to resolve is required'),
    recordType: z.enum(['A', 'AAAA', 'SRV']).default('A'),
    port: z.number().int().min(1).max(65_535).optional(),
    servers: z.array(z.string().trim().min(1)).optional(),
    intervalMs: ms.default(DEFAULT_DNS_INTERVAL_MS),
    timeoutMs: ms.default(DEFAULT_DNS_TIMEOUT_MS),
    ...retry,
  })
  .refine((c) => c.recordType === 'SRV' || c.port !== undefined, {
    message: 'a port is required with A and AAAA records (SRV records carry their own)',
    path: ['port'],
  });

/** The validated discovery configuration, as the CLI builds it. */
export const discoveryConfigSchema = z.discriminatedUnion('strategy', [
  staticConfigSchema,
  gossipConfigSchema,
  dnsConfigSchema,
]);

export type DiscoveryConfig = z.infer<typeof discoveryConfigSchema>;
export type DiscoveryConfigInput = z.input<typeof discoveryConfigSchema>;

export class DiscoveryConfigError extends Error {
  readonly code = 'bad_argument';
}

/** Validate with one readable message per problem. */
export function parseDiscoveryConfig(input: unknown): DiscoveryConfig {
  const result = discoveryConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `${i.path.join('.') || 'discovery'}: ${i.message}`,
  );
  throw new DiscoveryConfigError(`invalid discovery options: ${problems.join('; ')}`, {
    cause: result.error,
  });
}
