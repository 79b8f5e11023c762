// Lint rules, including the dependency direction of DESIGN.md:
// protocol <- quotas <- processing; protocol <- query, storage; server wires everything;
// nothing imports server or cli.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Folder → the folders it must not import from. */
const forbidden = {
  protocol: ['quotas', 'processing', 'query', 'storage', 'server', 'cli', 'web'],
  quotas: ['processing', 'query', 'storage', 'server', 'cli', 'web'],
  processing: ['query', 'storage', 'server', 'cli', 'web'],
  query: ['quotas', 'processing', 'storage', 'server', 'cli', 'web'],
  storage: ['quotas', 'processing', 'server', 'cli', 'web'],
  server: ['cli', 'web'],
};

const boundaryRules = Object.entries(forbidden).map(([folder, banned]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: banned.map((b) => ({
          group: [`**/${b}/*`, `**/${b}`],
          message: `src/${folder} must not import src/${b} (see DESIGN.md, "Layout and boundaries").`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'vigil-data/**', 'coverage/**', '.test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...boundaryRules,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
);
