// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules, plus a few type-aware rules
// that catch real bugs here (a promise nobody awaits in an activity, the worker or a CLI is a lost error).
// Layout is Prettier's job (`npm run format`), so no stylistic rules live here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['node_modules/', '.tools/', 'data/', 'artifacts/', 'test/histories/', 'bench/results*.json'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A variable assigned once but read earlier by a closure (a callback wired before its target exists) stays let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Prettier decides line breaks; with semicolons always printed this rule only flags its layout.
      'no-unexpected-multiline': 'off',
    },
  },
  {
    // Workflow code must replay deterministically: no I/O modules (Temporal's bundler would refuse some only
    // at worker start); types from them are fine.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'net', 'http', 'https', 'crypto', 'child_process'],
              message: 'workflows do no I/O: move this to an activity',
              allowTypeImports: true,
            },
            {
              group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', 'knex', 'pg', 'better-sqlite3', 'undici'],
              message: 'workflows do no I/O: move this to an activity',
              allowTypeImports: true,
            },
            { group: ['snowflake-sdk', '@google-cloud/*', 'pino', 'prom-client'], message: 'workflows do no I/O', allowTypeImports: true },
            {
              group: ['**/activities', '**/activities/*'],
              message: 'workflows call activities through proxyActivities',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read emulator responses and driver internals as loosely typed JSON.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
