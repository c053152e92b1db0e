import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'release/', 'coverage/', 'resources/models/', 'test-artifacts/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
    // vue-tsc (npm run typecheck) resolves identifiers in .vue files, browser globals included.
    rules: { 'no-undef': 'off' },
  },
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
        setImmediate: 'readonly', performance: 'readonly', fetch: 'readonly', AbortController: 'readonly',
        TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', globalThis: 'readonly',
        window: 'readonly', document: 'readonly', navigator: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The engine is plain Node: it must never reach for Electron.
    // SQL and LanceDB tables live in engine/store: everyone else asks its repositories.
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/engine/store/**', 'src-main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['electron'],
        patterns: [{ group: ['@lancedb/lancedb', '**/store/sql', '**/store/table-io'], message: 'SQL lives in engine/store: add an intent-named repository method.' }],
      }],
    },
  },
  {
    files: ['src-main/engine/store/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'] }] },
  },
  {
    files: ['src-main/electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@lancedb/lancedb', '**/store/sql', '**/store/table-io'], message: 'SQL lives in engine/store: add an intent-named repository method.' }] }] },
  },
  {
    // The renderer is a web page: it reaches the app only through src-renderer/api/client.ts.
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['electron'],
        patterns: [
          { group: ['node:*'], message: 'The renderer has no Node; ask the app through the API client.' },
          { group: ['**/src-main/engine/**', '**/src-main/electron/**'], message: 'Use the API client; only src-main/contract is shared.' },
        ],
      }],
    },
  },
);
