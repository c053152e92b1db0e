/**
 * The command-line door onto the engine. Every command takes --json for machine-readable output and
 * --help; exit status is 0 only on success, and errors print as `error [CODE]: message`, never a stack.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { Engine } from '../engine/engine';
import { toEngineError } from '../engine/errors';
import type { ProviderChoice } from '../engine/settings';
import type { DetectorChoice } from '../engine/vision/models/model-store';
import type { DetectResult } from '../contract/vision';

const GLOBAL_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  models: { type: 'string' },
  provider: { type: 'string' },
  detector: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const COMMAND_OPTIONS: Record<string, NonNullable<ParseArgsConfig['options']>> = {
  detect: {
    'max-faces': { type: 'string' },
    'min-face-size': { type: 'string' },
    quality: { type: 'string' },
    'no-rotate': { type: 'boolean', default: false },
  },
};

const USAGE = `face-organizer <command> [options]

Commands:
  detect <image...>         Faces in each image: boxes (oriented pixels), scores, quality
  compare <imageA> <imageB> Similarity of the largest faces and the same/different decision
  models                    Show which models and execution provider are in use

Options (every command):
  --json                    Machine-readable output
  --models <dir>            Model folder (default: the app's resources/models, or $FACE_ORGANIZER_MODELS_DIR)
  --provider <p>            auto | cpu | cuda | dml | coreml | webgpu (default auto)
  --detector <d>            auto | default | yunet (default auto: YuNet when installed)
  -h, --help                Show help

detect options:
  --max-faces <n>           Largest faces first, at most n (0 = all)
  --min-face-size <px>      Ignore faces whose shorter side is smaller
  --quality <0-4>           Quality control level (0 none .. 4 very high)
  --no-rotate               Do not try rotated copies of images without faces
`;

const PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
const DETECTORS = ['auto', 'default', 'yunet'];

class UsageError extends Error {}

export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out.write(USAGE);
    return command ? 0 : 1;
  }
  let engine: Engine | undefined;
  let json = argv.includes('--json');
  try {
    const parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...(COMMAND_OPTIONS[command] ?? {}) }, allowPositionals: true, strict: true });
    const values = parsed.values as Record<string, string | boolean | undefined>;
    const positionals = parsed.positionals;
    json = values.json === true;
    if (values.help) {
      out.write(USAGE);
      return 0;
    }
    const provider = choice(values.provider as string | undefined, PROVIDERS, '--provider') as ProviderChoice | undefined;
    const detector = choice(values.detector as string | undefined, DETECTORS, '--detector') as DetectorChoice | undefined;
    const open = () =>
      Engine.open({
        ...(typeof values.models === 'string' ? { modelsDir: values.models } : {}),
        ...(detector ? { detector } : {}),
        vision: provider ? { provider } : {},
        log: (m) => err.write(`${m}\n`),
      });

    switch (command) {
      case 'detect': {
        if (positionals.length === 0) throw new UsageError('detect needs at least one image path');
        const v = values;
        const options = {
          ...(v['max-faces'] !== undefined ? { maxFaces: int(v['max-faces'], '--max-faces') } : {}),
          ...(v['min-face-size'] !== undefined ? { minFaceSize: int(v['min-face-size'], '--min-face-size') } : {}),
          ...(v.quality !== undefined ? { qualityControl: int(v.quality, '--quality') as 0 | 1 | 2 | 3 | 4 } : {}),
          ...(v['no-rotate'] ? { detectRotated: false } : {}),
        };
        engine = await open();
        const results: (DetectResult | { path: string; error: { code: string; message: string } })[] = [];
        let failed = 0;
        for (const path of positionals) {
          try {
            const r = await engine.detect({ path, options });
            results.push(r);
            if (!json) printDetect(out, r);
          } catch (e) {
            failed++;
            const ee = toEngineError(e);
            results.push({ path, error: { code: ee.code, message: ee.message } });
            if (!json) err.write(`error [${ee.code}]: ${ee.message}\n`);
          }
        }
        if (json) out.write(`${JSON.stringify(positionals.length === 1 ? results[0] : results, null, 2)}\n`);
        return failed > 0 ? 2 : 0;
      }
      case 'compare': {
        if (positionals.length !== 2) throw new UsageError('compare needs exactly two image paths');
        engine = await open();
        const r = await engine.compare({ a: positionals[0]!, b: positionals[1]! });
        if (json) out.write(`${JSON.stringify(r, null, 2)}\n`);
        else {
          out.write(`similarity ${r.similarity.toFixed(3)} (threshold ${r.threshold})\n`);
          out.write(r.samePerson ? 'same person\n' : 'different people\n');
        }
        return 0;
      }
      case 'models': {
        engine = await open();
        const s = engine.visionStatus();
        if (json) out.write(`${JSON.stringify(s, null, 2)}\n`);
        else {
          out.write(`provider   ${s.provider.active} (requested ${s.provider.requested})\n`);
          if (s.provider.fallbackReason) out.write(`           fell back: ${s.provider.fallbackReason}\n`);
          out.write(`detector   ${s.detector}\nlandmarks  ${s.landmarks}\nembedder   ${s.embedder}\nfolder     ${s.modelsDir}\n`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      err.write(`error [USAGE]: ${e.message}\nRun \`face-organizer --help\` for usage.\n`);
      return 64;
    }
    const ee = toEngineError(e);
    if (json) out.write(`${JSON.stringify({ error: ee.toJSON() }, null, 2)}\n`);
    err.write(`error [${ee.code}]: ${ee.message}\n`);
    return 1;
  } finally {
    await engine?.close();
  }
}

function choice(v: string | undefined, allowed: string[], flag: string): string | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
  return v;
}

function int(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer`);
  return n;
}

function printDetect(out: NodeJS.WritableStream, r: DetectResult): void {
  out.write(`${r.path}: ${r.faces.length} face${r.faces.length === 1 ? '' : 's'} (${r.image.width}x${r.image.height})\n`);
  r.faces.forEach((f, i) => {
    const b = f.box;
    out.write(
      `  #${i + 1} box ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}  score ${f.score.toFixed(2)}  quality ${f.quality.toFixed(2)}${f.rotation ? `  rotated ${f.rotation}°` : ''}\n`,
    );
  });
}

const isEntry = process.argv[1] && /cli[\\/]main\.(ts|js|mjs)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`error [INTERNAL]: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
