/** serve: the app in a browser (web mode), on 127.0.0.1 with a per-run token. */
import { readFileSync } from 'node:fs';
import { createEngineApi } from '../../transport/engine-api';
import { ensureRenderer } from '../../server/renderer-build';
import { REPO_ROOT } from '../../server/renderer-build';
import { startWebServer } from '../../server/web-server';
import type { Command } from '../command';
import { int, printJson } from '../command';
import { join } from 'node:path';

function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const serve: Command = {
  name: 'serve',
  summary: 'Open the library in your browser: a local web UI on 127.0.0.1 (Ctrl-C stops)',
  synopsis: 'serve [--port p]',
  library: true,
  options: { port: { type: 'string' }, 'no-watch': { type: 'boolean', default: false } },
  optionHelp: [
    '--port <p>                Port on 127.0.0.1 (default: a free one)',
    '--no-watch                Do not index the library folders at start nor watch them for changes',
  ],
  async run({ engine, values, json, out, err, signal }) {
    const port = values.port !== undefined ? int(values.port, '--port', 0, 65_535) : 0;
    const rendererDir = await ensureRenderer((line) => err.write(`${line}\n`));
    const api = createEngineApi(engine);
    const server = await startWebServer({ api, rendererDir, port, version: appVersion(), log: (line) => err.write(`${line}\n`) });
    if (json) printJson(out, { url: server.url, port: server.port });
    else {
      out.write(`Face Organizer is running at\n\n  ${server.url}\n\n`);
      out.write('Open that link in your browser (it carries this run\'s access token). Ctrl-C stops.\n');
    }
    if (!values['no-watch']) {
      // Also with no folders yet: a folder added in the browser is watched from then on.
      await engine.library.keepCurrent().catch((e: unknown) => err.write(`not watching the folders: ${e instanceof Error ? e.message : String(e)}\n`));
    }
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    await server.close();
    api.close();
    return 0;
  },
};
