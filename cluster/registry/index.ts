export {
  GlobalRegistry,
  DEFAULT_REGISTER_TIMEOUT_MS,
  REGISTRY_CLAIM_HANDLER,
  REGISTRY_ENDPOINT,
  type NameConflictEvent,
  type RegistryOptions,
} from './registry.ts';
export { startRegistry, REGISTRY_REMSH_HANDLERS } from './start.ts';
export { wins, type Registration } from './table.ts';
export type { ServicePort } from './port.ts';
