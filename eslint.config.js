// Lint rules, including the walls between layers (docs/architecture.md):
// topology -> actors -> runtime/native; runtime and native import nothing else of ours.
// Two local rules: one actor's folder is entered only by its index.ts (and native/ by its
// own), and no module imports itself through others (import cycles, type-only ones included).
// Source is linted with types, so a promise nobody awaits or handles is an error.
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));
const SPECIFIERS =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The source file a relative specifier names ('./x.js' → x.ts), or null. */
function sourceOf(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  for (const ext of ['.ts', '.cts', '.mts']) {
    const file = base.replace(/\.(c|m)?js$/, ext);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not this extension
    }
  }
  return null;
}

const importsCache = new Map();
function importsOf(file) {
  let hit = importsCache.get(file);
  if (hit === undefined) {
    const text = readFileSync(file, 'utf8');
    hit = [...text.matchAll(SPECIFIERS)]
      .map((m) => sourceOf(file, m[1] ?? m[2]))
      .filter((f) => f !== null);
    importsCache.set(file, hit);
  }
  return hit;
}

/** A path of imports from `file` back to itself, or null. */
function cycleFrom(file) {
  const seen = new Set();
  const path = [];
  const walk = (f) => {
    for (const next of importsOf(f)) {
      if (next === file) return [...path, f, next];
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(f);
      const found = walk(next);
      if (found) return found;
      path.pop();
    }
    return null;
  };
  return walk(file);
}

const local = {
  rules: {
    'actor-surface': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const own = relative(root, context.filename).split('/');
        const check = (node) => {
          const spec = node.source?.value;
          if (typeof spec !== 'string' || !spec.startsWith('.')) return;
          const target = relative(root, resolve(dirname(context.filename), spec)).split('/');
          const [top, folder, file] = target;
          const actorEntry =
            top === 'actors' && folder !== 'shared' && !(own[0] === 'actors' && own[1] === folder);
          if (actorEntry && !(target.length === 3 && file === 'index.js'))
            context.report({
              node: node.source,
              message: `import actors/${folder}/ through its index.js, not ${target.slice(1).join('/')}`,
            });
          if (top === 'native' && own[0] !== 'native' && target.join('/') !== 'native/index.js')
            context.report({
              node: node.source,
              message: 'import native/ through native/index.js',
            });
        };
        return {
          ImportDeclaration: check,
          ExportNamedDeclaration: check,
          ExportAllDeclaration: check,
          ImportExpression: check,
        };
      },
    },
    'no-cycle': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        return {
          Program(node) {
            importsCache.delete(context.filename);
            const cycle = cycleFrom(context.filename);
            if (cycle)
              context.report({
                node,
                message: `import cycle: ${cycle.map((f) => relative(root, f)).join(' → ')}`,
              });
          },
        };
      },
    },
  },
};

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
  {
    files: ['**/*.ts', '**/*.cts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test() and hooks return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: [
                'test',
                'it',
                'describe',
                'suite',
                'before',
                'after',
                'beforeEach',
                'afterEach',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['actors/**/*.ts', 'runtime/**/*.ts', 'native/**/*.ts', 'topology/**/*.ts'],
    plugins: { colliery: local },
    rules: { 'colliery/actor-surface': 'error', 'colliery/no-cycle': 'error' },
  },
  { files: ['runtime/**'], rules: wall('actors', 'native', 'topology') },
  { files: ['native/**'], rules: wall('actors', 'runtime', 'topology') },
  { files: ['actors/**'], rules: wall('topology') },
  { files: ['topology/cli.ts', 'test/**', '**/*.mjs', '.ci/**'], rules: { 'no-console': 'off' } },
  // CommonJS preloads (node --require): require() is how they import.
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The dashboard's hand-written ES modules run in the browser (served as they are, no build).
  {
    files: ['topology/dashboard/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        fetch: 'readonly',
        getComputedStyle: 'readonly',
        ResizeObserver: 'readonly',
        URLSearchParams: 'readonly',
        Node: 'readonly',
      },
    },
  },
);
