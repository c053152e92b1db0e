/**
 * The e2e harness: a temp library folder made from a few fixture files (copied, never written in
 * place), `face-organizer serve` started as a child process on a free port, and headless Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FIXTURES, REPO_ROOT, tempDir } from '../helpers/paths';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ARTIFACTS = process.env['E2E_ARTIFACTS'] ?? join(REPO_ROOT, 'test-artifacts');

/** 10 people photos (one per person but Leonard twice), 3 group photos, the video, and one broken file. */
export const PEOPLE_PHOTOS = [
  'people/obama/obama_obama.jpg',
  'people/biden/biden_biden.jpg',
  'people/leonard/leonard_1.png',
  'people/leonard/leonard_2.png',
  'people/sheldon/sheldon_1.png',
  'people/penny/penny_1.png',
  'people/amy/amy_1.png',
  'people/kit_harington/kit_harington_john1.jpeg',
  'people/rose_leslie/rose_leslie_img1.jpg',
  'people/howard/howard_1.png',
];
export const GROUP_PHOTOS = ['groups/two_people.jpg', 'groups/bbt1.jpg', 'groups/kit_with_rose.jpg'];
export const VIDEO = 'video/short_hamilton_clip.mp4';
export const BROKEN = 'broken.jpg';

export function makePhotoFolder(): string {
  const root = tempDir('e2e-photos');
  const photos = join(root, 'Photos');
  mkdirSync(join(photos, 'people'), { recursive: true });
  mkdirSync(join(photos, 'groups'), { recursive: true });
  for (const f of PEOPLE_PHOTOS) copyFileSync(join(FIXTURES, f), join(photos, 'people', f.split('/').pop()!));
  for (const f of GROUP_PHOTOS) copyFileSync(join(FIXTURES, f), join(photos, 'groups', f.split('/').pop()!));
  copyFileSync(join(FIXTURES, VIDEO), join(photos, 'short_hamilton_clip.mp4'));
  // A truncated "photo": indexing must list it with its reason, not stop.
  writeFileSync(join(photos, BROKEN), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]));
  return photos;
}

export interface Served {
  url: string;
  origin: string;
  token: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export async function startServe(libraryDir: string, env: Record<string, string> = {}): Promise<Served> {
  const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, ['src-main/cli/main.ts', 'serve', '--port', '0', '--library', libraryDir, '--provider', 'cpu'], {
    cwd: REPO_ROOT,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL in time:\n${out}`)), 120_000);
    const check = () => {
      const m = /http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.hash.replace('#token=', ''),
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Calls the API the way the page does (for setup steps the UI is not under test for). */
export async function api(served: Served, channel: string, payload?: unknown): Promise<unknown> {
  const r = await fetch(`${served.origin}/api/invoke/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${served.token}` },
    body: JSON.stringify({ payload }),
  });
  const body = (await r.json()) as { ok: boolean; value?: unknown; error?: { code: string; message: string } };
  if (!body.ok) throw new Error(`${channel}: [${body.error?.code}] ${body.error?.message}`);
  return body.value;
}
