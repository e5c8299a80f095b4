// Lint rules, including the walls between layers (docs/architecture.md):
// topology -> actors -> runtime/native; runtime and native import nothing else of ours.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const wall = (...folders) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: folders.map((f) => ({
        group: [`**/${f}`, `**/${f}/**`],
        message: `Layer wall: this folder may not import ${f}/ (see docs/architecture.md).`,
      })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', '**/node_modules/**', 'native/build/**', 'data/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['runtime/**'], rules: wall('actors', 'native', 'topology') },
  { files: ['native/**'], rules: wall('actors', 'runtime', 'topology') },
  { files: ['actors/**'], rules: wall('topology') },
  { files: ['topology/cli.ts', 'test/**', '**/*.mjs', '.ci/**'], rules: { 'no-console': 'off' } },
);
