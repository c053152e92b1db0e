import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src-main/transport/csp';

const root = fileURLToPath(new URL('.', import.meta.url));
const fromRoot = (...parts: string[]): string => resolve(root, ...parts);

/**
 * Native addons load their .node binaries relative to their own package folder, so main must
 * `import` them from node_modules at run time rather than bundle them. The other dependencies are
 * externalized too (externalizeDepsPlugin); LanceDB is listed by name because it joins
 * package.json with the store.
 */
const NATIVE_MODULES = ['onnxruntime-node', 'sharp', '@lancedb/lancedb'];

const CSP_META = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/;

/**
 * index.html carries the production policy literally (a unit test keeps it equal to csp.ts); the
 * dev server needs inline styles and its hot-reload socket, so its copy is swapped at serve time.
 */
function cspMeta(dev: boolean): Plugin {
  return {
    name: 'face-organizer:csp-meta',
    transformIndexHtml(html) {
      if (!CSP_META.test(html)) throw new Error('src-renderer/index.html lost its Content-Security-Policy <meta>');
      return html.replace(CSP_META, `$1${contentSecurityPolicy({ dev, delivery: 'meta' })}$2`);
    },
  };
}

export default defineConfig(({ command }) => ({
  main: {
    plugins: [externalizeDepsPlugin({ include: NATIVE_MODULES })],
    build: {
      outDir: fromRoot('out/main'),
      rollupOptions: {
        // `index` → out/main/index.js, package.json "main". ESM, as package.json is "type": "module".
        // Worker threads are separate entries: the engine starts them from files next to index.js.
        input: {
          index: fromRoot('src-main/electron/main.ts'),
          'analyzer-worker': fromRoot('src-main/engine/vision/analyzer-worker.ts'),
          'cluster-worker': fromRoot('src-main/engine/people/cluster-worker.ts'),
        },
        // Shared chunks beside the entries: the engine starts its workers from files next to its own code.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    // No externalizeDepsPlugin: a sandboxed preload can require only `electron`, so everything it
    // imports is bundled in.
    build: {
      outDir: fromRoot('out/preload'),
      rollupOptions: {
        input: { index: fromRoot('src-main/electron/preload.ts') },
        // Sandboxed preloads are run as classic scripts: ESM preloads require sandbox: false.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: fromRoot('src-renderer'),
    plugins: [vue(), cspMeta(command === 'serve')],
    build: {
      outDir: fromRoot('out/renderer'),
      rollupOptions: { input: fromRoot('src-renderer/index.html') },
    },
  },
}));
