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
    // Tests read emulator responses and driver internals as loosely typed JSON.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
