/** What vitest.config.ts provides to the tests (`inject` from 'vitest'). */
declare module 'vitest' {
  export interface ProvidedContext {
    /** a PostgreSQL server URL for storage tests, or '' when none is available */
    postgresUrl: string;
  }
}

export {};
