import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

/**
 * no-restricted-imports for one layer: the src-main folders it may not import, Electron outside the
 * Electron door, and (outside engine/store) LanceDB and the store's SQL helpers.
 */
function layerRules(layers) {
  const sqlPattern = { group: ['@lancedb/lancedb', '**/store/sql', '**/store/table-io'], message: 'SQL lives in engine/store: add an intent-named repository method.' };
  return layers.map(({ files, electron, sql = true, forbid, message }) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', {
        ...(electron ? { paths: [{ name: 'electron', message: 'Plain Node here: only src-main/electron may import Electron.' }] } : {}),
        // Relative imports name the folder as a path segment (../server/x, ../../electron/y).
        patterns: [...forbid.map((dir) => ({ group: [`**/${dir}/*`, `**/${dir}`], message })), ...(sql ? [sqlPattern] : [])],
      }],
    },
  }));
}

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
  // Layers (docs/architecture.md): the engine does the work and knows no door; src-main/transport is
  // the code the doors share (dispatcher, file responses, CSP, status codes); each door (cli, server,
  // electron) imports the engine, the contract and the transport, never another door. SQL and LanceDB
  // tables live in engine/store: everyone else asks its repositories.
  ...layerRules([
    { files: ['src-main/engine/**/*.ts'], electron: true, forbid: ['cli', 'server', 'electron', 'transport'],
      message: 'The engine knows no door: expose the operation on the facade and let the doors call it.' },
    { files: ['src-main/engine/store/**/*.ts'], electron: true, sql: false, forbid: ['cli', 'server', 'electron', 'transport'],
      message: 'The engine knows no door: expose the operation on the facade and let the doors call it.' },
    { files: ['src-main/contract/**/*.ts'], electron: true, forbid: ['engine', 'cli', 'server', 'electron', 'transport'],
      message: 'The contract is shared with the renderer: types and schemas only.' },
    { files: ['src-main/transport/**/*.ts'], electron: true, forbid: ['cli', 'server', 'electron'],
      message: 'Transport is shared by the doors: it imports no door.' },
    { files: ['src-main/cli/**/*.ts'], electron: true, forbid: ['server', 'electron'],
      message: 'A door imports no other door: shared door code belongs in src-main/transport.' },
    { files: ['src-main/server/**/*.ts'], electron: true, forbid: ['cli', 'electron'],
      message: 'A door imports no other door: shared door code belongs in src-main/transport.' },
    { files: ['src-main/electron/**/*.ts'], electron: false, forbid: ['cli', 'server'],
      message: 'A door imports no other door: shared door code belongs in src-main/transport.' },
    // The one exception: `face-organizer serve` is how the web door is started, so it opens the server.
    { files: ['src-main/cli/commands/serve.ts'], electron: true, forbid: ['electron'],
      message: 'A door imports no other door: shared door code belongs in src-main/transport.' },
  ]),
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
