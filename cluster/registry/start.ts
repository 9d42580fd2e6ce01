import type { NodeName, Payload } from '../api.ts';
import type { ServicePort } from './port.ts';
import { GlobalRegistry, type RegistryOptions } from './registry.ts';

/** RPC handler names the remsh calls (`registered`, `whereis <name>`). */
export const REGISTRY_REMSH_HANDLERS = {
  registered: 'registry.registered',
  whereis: 'registry.whereis',
} as const;

/**
 * Start the global registry on a node. Every node of the cluster must run it. Also adds the
 * remsh handlers: `registry.registered` → `[{ name, node }]` and `registry.whereis` (args: the
 * name, or `{ name }`) → the owning node or null.
 */
export function startRegistry(node: ServicePort, options: RegistryOptions = {}): GlobalRegistry {
  const registry = new GlobalRegistry(node, options);
  registry.attach();
  node.handle(REGISTRY_REMSH_HANDLERS.registered, () =>
    registry.entries().map((r) => ({ name: r.name, node: r.owner, at: r.at })),
  );
  node.handle(REGISTRY_REMSH_HANDLERS.whereis, (args) => {
    const name = nameArg(args);
    const owner: NodeName | undefined = name === undefined ? undefined : registry.whereis(name);
    return owner ?? null;
  });
  return registry;
}

function nameArg(args: Payload): string | undefined {
  if (typeof args === 'string') return args;
  if (Array.isArray(args) && typeof args[0] === 'string') return args[0];
  if (args !== null && typeof args === 'object' && !(args instanceof Uint8Array)) {
    const name = (args as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return undefined;
}
