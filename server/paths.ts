import { fileURLToPath } from 'node:url';

/** The project root (where package.json and .next live), independent of the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
