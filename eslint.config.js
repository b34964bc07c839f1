import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.temporal/', '.data/', '.venv/', 'dist/', 'test/.tmp/', 'scripts/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...['fs', 'http', 'https', 'net', 'child_process', 'crypto', 'os', 'path', 'undici',
            '@temporalio/client', '@temporalio/worker', '@temporalio/activity']
            .map((name) => ({ name, message: 'workflow code is deterministic: no I/O or Node built-ins' })),
          // Every bundle module is evaluated again for each cached workflow: zod's schemas cost MiBs
          // per workflow. Inputs are validated before the start (src/lcm/*-input.ts); import types only.
          { name: 'zod', message: 'no zod in workflow code: validate before the start, import types only', allowTypeImports: true },
        ],
        patterns: [{ group: ['node:*'], message: 'workflow code is deterministic: no Node built-ins' }],
      }],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { require: 'readonly', exports: 'writable', module: 'writable' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
