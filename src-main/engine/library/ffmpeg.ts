/**
 * The ffmpeg binary that @ffmpeg-installer/ffmpeg ships, and running it: one process, stderr read line by line,
 * its failures turned into typed errors that carry ffmpeg's own reason.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineError } from '../errors';
import { libraryFsError } from './fs-errors';

// ---------------------------------------------------------------------------------------------------------
// ffmpeg binary

let resolvedFfmpeg: string | undefined;

/** The bundled binary; FACE_ORGANIZER_FFMPEG points elsewhere (a system ffmpeg, a packaged app's copy). */
export function ffmpegPath(): string {
  const fromEnv = process.env.FACE_ORGANIZER_FFMPEG;
  if (fromEnv) return fromEnv;
  if (resolvedFfmpeg) return resolvedFfmpeg;
  try {
    const req = createRequire(import.meta.url);
    const p = (req('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    // In a packaged Electron app the binary must be unpacked from the asar archive to be executable.
    resolvedFfmpeg = p.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    return resolvedFfmpeg;
  } catch (e) {
    throw new EngineError('VIDEO_DECODE_FAILED', `No ffmpeg binary for this platform: ${String(e)}`, { reason: 'ffmpeg-missing' });
  }
}

interface Run {
  proc: ChildProcess;
  /** Resolves when the process has exited and its pipes are closed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops ffmpeg: SIGTERM (it exits cleanly), then SIGKILL if it is still there after 2 s. */
  stop(): void;
  stopped(): boolean;
}

export function startFfmpeg(args: string[], onStderrLine: (line: string) => void): Run {
  let proc: ChildProcess;
  try {
    proc = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  } catch (e) {
    throw new EngineError('VIDEO_DECODE_FAILED', `Could not start ffmpeg: ${e instanceof Error ? e.message : String(e)}`);
  }
  let stopRequested = false;
  let pending = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    pending += chunk;
    // ffmpeg ends progress lines with \r, log lines with \n.
    const lines = pending.split(/\r\n|\n|\r/);
    pending = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) onStderrLine(l);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('error', (e) => {
      onStderrLine(`spawn failed: ${e.message}`);
      resolve({ code: -1, signal: null });
    });
    proc.once('close', (code, signal) => {
      if (pending.trim()) onStderrLine(pending);
      pending = '';
      resolve({ code, signal });
    });
  });
  let killTimer: NodeJS.Timeout | undefined;
  void done.then(() => clearTimeout(killTimer));
  return {
    proc,
    done,
    stop() {
      if (stopRequested || proc.exitCode !== null || proc.signalCode !== null) return;
      stopRequested = true;
      proc.kill('SIGTERM');
      killTimer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      killTimer.unref();
    },
    stopped: () => stopRequested,
  };
}

/** The line of ffmpeg's report that says what went wrong (not its usage complaint, not per-frame logs). */
function lastMeaningful(lines: string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (!l || l.startsWith('At least one output file') || /Parsed_showinfo/.test(l)) continue;
    return l;
  }
  return 'ffmpeg gave no reason';
}

export async function checkFile(file: string): Promise<void> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new EngineError('FILE_UNREADABLE', `${file} is not a regular file`, { path: file });
    if (st.size === 0) throw new EngineError('FILE_EMPTY', `${file} is empty (0 bytes)`, { path: file });
  } catch (e) {
    throw libraryFsError(file, e, 'file', true);
  }
}

export function decodeFailed(file: string, lines: string[], extra: Record<string, unknown> = {}): EngineError {
  const line = lastMeaningful(lines);
  const reason = line.startsWith(`${file}: `) ? line.slice(file.length + 2) : line;
  return new EngineError('VIDEO_DECODE_FAILED', `${file}: ${reason}`, { path: file, ...extra });
}
