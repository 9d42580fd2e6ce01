import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.next/**',
      'data/**',
      'prisma/generated/**',
      'prisma/postgres/**',
      'test-results/**',
      'playwright-report/**',
      'next-env.d.ts',
      'dist/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['app/**/*.tsx', 'app/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Test-only code lives in `testing/` (helpers, fakes) and `fixtures/` (scripts that tests run
    // as child processes) folders, or in `*.test.ts`/`*.spec.ts` files: production code imports
    // none of it (docs/architecture.md, "Where test code lives").
    files: ['**/*.ts', '**/*.tsx'],
    ignores: [
      '**/*.test.ts',
      '**/*.test.tsx',
      '**/*.spec.ts',
      '**/testing/**',
      '**/fixtures/**',
      'e2e/**',
      'bench/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/testing', '**/testing/**', '**/fixtures/**', '**/*.test', '**/*.test.ts'],
              message:
                'production code must not import test helpers (testing/, fixtures/, *.test.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    // Library code takes its configuration as options; only the CLI and server/env.ts read the
    // environment, validated with zod. Test helpers may pass the environment on to child processes.
    files: [
      'cluster/**/*.ts',
      'agents/**/*.ts',
      'protocol/**/*.ts',
      'server/**/*.ts',
      'app/**/*.ts',
      'app/**/*.tsx',
    ],
    ignores: ['server/env.ts', '**/*.test.ts', '**/testing/**', '**/fixtures/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'library code reads no process.env: take it as an option (only cli/ and server/env.ts read it)',
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
