/**
 * The model manifest: which ONNX files the engine uses, where each comes from, its checksum and how to
 * feed it. The manifest ships with the app; the .onnx files are fetched (see model-store.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EngineError } from '../../errors';

export const MODEL_ROLES = ['detector', 'landmarks', 'embedder'] as const;
export const MODEL_PACKS = ['default', 'yunet'] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');
// A bare name: the store joins it onto the models folder, so a separator here could write outside it.
const bareFileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'file must be a bare file name')
  .refine((f) => !f.includes('..'), 'file must be a bare file name');
const dim = z.union([z.number().int().positive(), z.string().min(1)]);

const npmSource = z.object({
  type: z.literal('npm'),
  package: z.string().min(1),
  version: z.string().min(1),
  /** Path of the file inside the package tarball (npm tarballs root everything at `package/`). */
  path: z.string().startsWith('package/'),
});
const urlSource = z.object({
  type: z.literal('url'),
  url: z.url({ protocol: /^https?$/ }),
});
const userSuppliedSource = z.object({
  type: z.literal('user-supplied'),
  note: z.string().min(1),
});
export const ModelSourceSchema = z.discriminatedUnion('type', [npmSource, urlSource, userSuppliedSource]);

export const ModelEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  role: z.enum(MODEL_ROLES),
  pack: z.enum(MODEL_PACKS),
  file: bareFileName,
  bytes: z.number().int().positive(),
  sha256: sha256Hex,
  source: ModelSourceSchema,
  license: z.string().min(1),
  /** Optional models are used when present and never fetched on their own. */
  optional: z.boolean(),
  /** Among installed models of one role, a preferred one wins over the others of its pack. */
  preferred: z.boolean(),
  input: z.object({
    name: z.string().min(1),
    dtype: z.literal('float32'),
    /** Numbers are fixed dimensions; strings name dynamic ones. */
    shape: z.array(dim).min(1),
    layout: z.literal('NCHW'),
    color: z.enum(['RGB', 'BGR', 'GRAY']),
    normalization: z.string().min(1),
  }),
  outputs: z
    .array(z.object({ name: z.string().min(1), shape: z.array(dim).min(1), meaning: z.string().min(1) }))
    .min(1),
  notes: z.string().optional(),
});

export const PackSchema = z.object({
  description: z.string().min(1),
  required: z.boolean(),
  license: z.string().min(1),
  homepage: z.url().optional(),
  npm: z
    .object({
      package: z.string().min(1),
      version: z.string().min(1),
      /** Subresource-integrity string of the published tarball, as the registry reports it. */
      integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]+=*$/),
      bytes: z.number().int().positive(),
    })
    .optional(),
});

export const ManifestSchema = z
  .object({
    version: z.literal(1),
    packs: z.object({ default: PackSchema, yunet: PackSchema }),
    models: z.array(ModelEntrySchema).min(1),
  })
  .superRefine((m, ctx) => {
    const seen = (key: 'id' | 'file') => {
      const set = new Set<string>();
      m.models.forEach((e, i) => {
        if (set.has(e[key])) ctx.addIssue({ code: 'custom', path: ['models', i, key], message: `duplicate ${key} ${e[key]}` });
        set.add(e[key]);
      });
    };
    seen('id');
    seen('file');
    // The engine cannot run without one detector, landmark model and embedder from the default pack.
    for (const role of MODEL_ROLES) {
      const n = m.models.filter((e) => e.pack === 'default' && e.role === role && !e.optional).length;
      if (n !== 1) ctx.addIssue({ code: 'custom', path: ['models'], message: `default pack needs exactly one required ${role}, has ${n}` });
    }
    const npm = m.packs.default.npm;
    if (!npm) ctx.addIssue({ code: 'custom', path: ['packs', 'default', 'npm'], message: 'the default pack must name its npm package' });
    m.models.forEach((e, i) => {
      if (e.source.type !== 'npm') return;
      const pack = m.packs[e.pack].npm;
      if (!pack || pack.package !== e.source.package || pack.version !== e.source.version) {
        ctx.addIssue({ code: 'custom', path: ['models', i, 'source'], message: `npm source of ${e.id} does not match pack ${e.pack}` });
      }
    });
  });

export type ModelRole = (typeof MODEL_ROLES)[number];
export type ModelPack = (typeof MODEL_PACKS)[number];
export type ModelSource = z.infer<typeof ModelSourceSchema>;
export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type PackInfo = z.infer<typeof PackSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

const MODELS_DIR_ENV = 'FACE_ORGANIZER_MODELS_DIR';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new EngineError('INTERNAL', `no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where the app's own models folder is (the one holding manifest.json): `<resourcesPath>/models` in a
 * packaged Electron app, else `<package root>/resources/models`. Ignores FACE_ORGANIZER_MODELS_DIR,
 * because that points at model files, not at the app's manifest.
 */
export function bundledModelsDir(): string {
  // Electron sets resourcesPath in dev too (to its own dist folder), so only a folder that exists counts.
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) {
    const packaged = join(resourcesPath, 'models');
    if (isDir(packaged)) return packaged;
  }
  return join(packageRoot(), 'resources', 'models');
}

/** The folder model files are read from and fetched into. FACE_ORGANIZER_MODELS_DIR wins. */
export function defaultModelsDir(): string {
  const env = process.env[MODELS_DIR_ENV];
  if (env && env.trim() !== '') return resolve(env);
  return bundledModelsDir();
}

export function defaultManifestPath(): string {
  return join(bundledModelsDir(), 'manifest.json');
}

export async function loadManifest(path: string = defaultManifestPath()): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EngineError('MODEL_MISSING', `the model manifest ${path} cannot be read: ${(e as Error).message}`, { path }, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EngineError('MODEL_INVALID', `the model manifest ${path} is not valid JSON: ${(e as Error).message}`, { path }, { cause: e });
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new EngineError('MODEL_INVALID', `the model manifest ${path} is malformed: ${issues}`, { path });
  }
  return parsed.data;
}

export function modelsOfPack(manifest: Manifest, pack: ModelPack): ModelEntry[] {
  return manifest.models.filter((e) => e.pack === pack);
}
