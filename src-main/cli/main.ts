/**
 * The command-line door onto the engine. Every command takes --json for machine-readable output and
 * --help; exit status is 0 only on success, and errors print as `error [CODE]: message`, never a stack.
 * Commands live in commands/*.ts; this file parses the common flags, opens the engine and dispatches.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { Engine } from '../engine/engine';
import { loopbackEndpointFromEnv } from '../engine/cloud/cloud-endpoint';
import { toEngineError } from '../engine/errors';
import type { ProviderChoice } from '../engine/settings';
import type { DetectorChoice } from '../engine/vision/models/model-store';
import { UsageError } from './command';
import type { Command } from './command';
import { compare, detect, models } from './commands/vision';
import { LIBRARY_COMMANDS } from './commands/library';
import { PEOPLE_COMMANDS } from './commands/people';
import { SEARCH_COMMANDS } from './commands/search';
import { CLOUD_COMMANDS } from './commands/cloud';
import { serve } from './commands/serve';

const COMMANDS: Command[] = [detect, compare, models, ...LIBRARY_COMMANDS, ...PEOPLE_COMMANDS, ...SEARCH_COMMANDS, ...CLOUD_COMMANDS, serve];

const GLOBAL_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  models: { type: 'string' },
  provider: { type: 'string' },
  detector: { type: 'string' },
  library: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
const DETECTORS = ['auto', 'default', 'yunet'];

function usage(command?: Command): string {
  const global = `Options (every command):
  --json                    Machine-readable output
  --library <dir>           Library folder (default: the app's data folder, or $FACE_ORGANIZER_LIBRARY)
  --models <dir>            Model folder (default: the app's resources/models, or $FACE_ORGANIZER_MODELS_DIR)
  --provider <p>            auto | cpu | cuda | dml | coreml | webgpu (default auto)
  --detector <d>            auto | default | yunet (default auto: YuNet when installed)
  -h, --help                Show help
`;
  if (command) {
    return `face-organizer ${command.synopsis}\n\n${command.summary}\n\n${command.optionHelp?.length ? `Options:\n  ${command.optionHelp.join('\n  ')}\n\n` : ''}${global}`;
  }
  const width = Math.max(...COMMANDS.map((c) => c.synopsis.length)) + 2;
  return `face-organizer <command> [options]\n\nCommands:\n${COMMANDS.map((c) => `  ${c.synopsis.padEnd(width)}${c.summary}`).join('\n')}\n\n${global}\nRun \`face-organizer <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.write(usage());
    return name ? 0 : 1;
  }
  let engine: Engine | undefined;
  let json = argv.includes('--json');
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    err.write('\nstopping… (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) }, allowPositionals: true, strict: true });
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    json = values.json === true;
    if (values.help) {
      out.write(usage(command));
      return 0;
    }
    const provider = choice(values.provider as string | undefined, PROVIDERS, '--provider') as ProviderChoice | undefined;
    const detector = choice(values.detector as string | undefined, DETECTORS, '--detector') as DetectorChoice | undefined;
    const cloudEndpoint = loopbackEndpointFromEnv();
    engine = await Engine.open({
      ...(cloudEndpoint ? { cloud: { endpointOverride: cloudEndpoint } } : {}),
      ...(typeof values.models === 'string' ? { modelsDir: values.models } : {}),
      ...(detector ? { detector } : {}),
      ...(command.library ? { library: typeof values.library === 'string' ? values.library : true } : {}),
      settings: { vision: provider ? { provider } : {} },
      log: (m) => err.write(`${m}\n`),
    });
    return await command.run({ engine, values, positionals: parsed.positionals, json, out, err, signal: ac.signal });
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
    process.off('SIGINT', onSigint);
    await engine?.close();
  }
}

function choice(v: string | undefined, allowed: string[], flag: string): string | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
  return v;
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
