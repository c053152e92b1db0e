/**
 * `npm run smoke:electron -- [--app <executable>] [--fixtures <folder>] [--out <folder>] [--expect-provider p[,p]]`
 *
 * Launches the desktop app (the packaged one electron-builder left in release/<version>/, or the
 * checkout's build in the dev Electron when there is none) with a fresh library, and walks the smoke
 * path through the real window: the page loads from app://, the engine utility process reports its
 * execution provider, a folder of photos is added and indexed, people appear, and thumbnails and
 * face crops render (sharp and ONNX Runtime loaded from app.asar.unpacked). A packaged app's fuses
 * are read back from its binary. Screenshots and the app's log go to --out (default
 * test-artifacts/smoke-electron); exit code 1 on any failure, with a screenshot of where it stopped.
 *
 * Playwright drives the window over the Chrome DevTools Protocol (`--remote-debugging-port`), not
 * with `_electron.launch`: that one attaches through Node's `--inspect`, which the release build's
 * EnableNodeCliInspectArguments fuse turns off, so it could only test a weaker build than it ships.
 *
 * Fixtures: every image in --fixtures (default ../shared/fixtures/groups) is copied together with a
 * mirrored copy, so each person has at least two faces (the default minimum for a person).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expectedProviders, packagedExecutable, readPackagedFuses } from './smoke-electron-lib';

const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const IMAGE = /\.(jpe?g|png|webp)$/i;

interface Args {
  app?: string;
  fixtures: string;
  out: string;
  expectProvider?: string[];
  timeoutMs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    fixtures: resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'groups'),
    out: join(REPO_ROOT, 'test-artifacts', 'smoke-electron'),
    timeoutMs: 10 * 60_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--app') args.app = resolve(value());
    else if (a === '--fixtures') args.fixtures = resolve(value());
    else if (a === '--out') args.out = resolve(value());
    else if (a === '--expect-provider') args.expectProvider = value().split(',');
    else if (a === '--timeout-ms') args.timeoutMs = Number(value());
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

function log(line: string): void {
  console.log(`smoke: ${line}`);
}

/** The packaged app in release/<version>/, else the checkout's build in the dev Electron. */
function resolveApp(args: Args): { command: string; argv: string[]; packaged: string | null } {
  if (args.app) return { command: args.app, argv: [], packaged: args.app };
  const packaged = packagedExecutable(REPO_ROOT, process.platform, process.arch);
  if (existsSync(packaged)) return { command: packaged, argv: [], packaged };
  if (!existsSync(join(REPO_ROOT, 'out', 'main', 'index.js'))) throw new Error(`no packaged app at ${packaged} and no build in out/: run npm run dist:dir or npm run build first`);
  // electron's index.js answers the binary's path (it throws when the binary was never downloaded:
  // run `npm start` once, see scripts/ensure-electron.mjs).
  const electron = createRequire(import.meta.url)('electron') as unknown as string;
  return { command: electron, argv: [REPO_ROOT], packaged: null };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The app is gone: waiting longer cannot help. */
class AppExited extends Error {}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      if (error instanceof AppExited) throw error;
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function preparePhotos(fixtures: string, into: string): Promise<number> {
  if (!existsSync(fixtures)) throw new Error(`no fixture folder at ${fixtures}: pass --fixtures <folder of photos with faces>`);
  const images = readdirSync(fixtures).filter((f) => IMAGE.test(f)).sort();
  if (images.length === 0) throw new Error(`no photos in ${fixtures}`);
  mkdirSync(into, { recursive: true });
  return Promise.all(images.map(async (f) => {
    copyFileSync(join(fixtures, f), join(into, f));
    await sharp(join(fixtures, f)).flop().jpeg({ quality: 92 }).toFile(join(into, `${basename(f, extname(f))}-mirrored.jpg`));
  })).then(() => images.length * 2);
}

type Invoke = <T>(channel: string, payload?: unknown) => Promise<T>;

function bridge(page: Page): Invoke {
  return async <T>(channel: string, payload?: unknown): Promise<T> => {
    const result = await page.evaluate(
      ([c, p]) => (window as unknown as { faceOrganizer: { invoke(c: string, p?: unknown): Promise<unknown> } }).faceOrganizer.invoke(c as string, p),
      [channel, payload] as const,
    ) as { ok: boolean; value?: T; error?: { code: string; message: string } };
    if (!result.ok) throw new Error(`${channel}: ${result.error?.code} ${result.error?.message}`);
    return result.value as T;
  };
}

async function imageRendered(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).first().evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0).catch(() => false);
}

async function main(): Promise<void> {
  let args: Args;
  let app: ReturnType<typeof resolveApp>;
  try {
    args = parseArgs(process.argv.slice(2));
    app = resolveApp(args);
  } catch (error) {
    console.error(`smoke: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exitCode = 1;
    return;
  }
  rmSync(args.out, { recursive: true, force: true });
  mkdirSync(args.out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'fo-smoke-'));
  const library = join(work, 'library');
  const photos = join(work, 'Photos');
  let files: number;
  try {
    files = await preparePhotos(args.fixtures, photos);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return;
  }
  log(`${files} photos in ${photos}`);

  const port = await freePort();
  // Linux CI runners refuse the unprivileged user namespaces Chromium's sandbox needs for an
  // unpacked app (no setuid chrome-sandbox); the smoke path is about the app, not the OS sandbox.
  const argv = [...app.argv, `--remote-debugging-port=${port}`, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])];
  log(`launching ${app.command} ${argv.join(' ')}`);
  const appLog = createWriteStream(join(args.out, 'app.log'));
  const child: ChildProcess = spawn(app.command, argv, {
    env: { ...process.env, FACE_ORGANIZER_LIBRARY: library, ELECTRON_ENABLE_LOGGING: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(appLog);
  child.stderr?.pipe(appLog);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `the app exited (${code ?? signal})`;
  });

  let browser: Browser | null = null;
  let page: Page | null = null;
  const deadline = Date.now() + args.timeoutMs;
  const left = (): number => Math.max(1000, deadline - Date.now());
  const alive = (): void => {
    if (exited) throw new AppExited(`${exited}; see ${join(args.out, 'app.log')}`);
  };
  try {
    browser = await until('the DevTools endpoint', 60_000, async () => {
      alive();
      return chromium.connectOverCDP(`http://127.0.0.1:${port}`);
    });
    page = await until('the app window on app://', 60_000, async () => {
      alive();
      return browser!.contexts().flatMap((c) => c.pages()).find((p) => p.url().startsWith('app://face-organizer/') || (!app.packaged && p.url().startsWith('http')));
    });
    await page.locator('#app > *').first().waitFor({ timeout: 60_000 });
    log(`window open at ${page.url()}`);
    await page.screenshot({ path: join(args.out, '01-window.png') });

    const invoke = bridge(page);
    const vision = await until('the engine to report its execution provider', Math.min(left(), 5 * 60_000), async () => {
      alive();
      return invoke<{ provider: { requested: string; active: string; fallbackReason?: string }; detector: string; modelsDir: string }>('vision:status');
    });
    log(`engine provider: ${vision.provider.active} (requested ${vision.provider.requested}${vision.provider.fallbackReason ? `; ${vision.provider.fallbackReason}` : ''}), models from ${vision.modelsDir}`);
    const allowed = args.expectProvider ?? expectedProviders(process.platform);
    if (!allowed.includes(vision.provider.active)) throw new Error(`execution provider ${vision.provider.active}, expected one of ${allowed.join(', ')}`);

    await invoke('library:addFolders', { paths: [photos] });
    const status = await until(`${files} photos indexed and clustered`, left(), async () => {
      alive();
      const s = await invoke<{ media: { ok: number; pending: number; error: number }; faces: number; persons: number; indexing: unknown }>('library:status');
      return s.media.ok + s.media.error >= files && s.media.pending === 0 && !s.indexing && s.persons > 0 ? s : null;
    });
    log(`indexed: ${status.media.ok} ok, ${status.media.error} errors, ${status.faces} faces, ${status.persons} people`);
    if (status.media.error > 0) throw new Error(`${status.media.error} photos could not be indexed (library:errors)`);

    await page.getByTestId('nav-photos').click();
    await until('a thumbnail to render', 60_000, () => imageRendered(page!, 'img[src^="face-media://thumb/"]'));
    await page.screenshot({ path: join(args.out, '02-photos.png') });
    log('thumbnails render');

    await page.getByTestId('nav-people').click();
    await page.getByTestId('person-card').first().waitFor({ timeout: 60_000 });
    await until('a face crop to render on a person card', 60_000, () => imageRendered(page!, '[data-testid="person-card"] img[src^="face-media://face/"]'));
    await page.screenshot({ path: join(args.out, '03-people.png') });
    log(`${await page.getByTestId('person-card').count()} people shown`);

    await page.getByTestId('nav-settings').click();
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(args.out, '04-settings.png') });

    if (app.packaged) {
      const fuses = await readPackagedFuses(app.packaged);
      log(`fuses: ${JSON.stringify(fuses)}`);
      const expected = { RunAsNode: false, EnableNodeOptionsEnvironmentVariable: false, EnableNodeCliInspectArguments: false, EnableEmbeddedAsarIntegrityValidation: true, OnlyLoadAppFromAsar: true, GrantFileProtocolExtraPrivileges: false };
      for (const [fuse, on] of Object.entries(expected)) {
        if (fuses[fuse] !== on) throw new Error(`fuse ${fuse} is ${fuses[fuse] ? 'on' : 'off'} in the packaged app, expected ${on ? 'on' : 'off'}`);
      }
    }
    log('passed');
  } catch (error) {
    if (page) await page.screenshot({ path: join(args.out, 'failure.png') }).catch(() => undefined);
    console.error(`smoke: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    await browser?.close().catch(() => undefined);
    if (!exited) child.kill();
    await new Promise((r) => setTimeout(r, 1000));
    rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
  }
}

await main();
