/** detect, compare, models: the vision commands, usable without a library. */
import { toEngineError } from '../../engine/errors';
import { DetectOptionsSchema, type DetectOptions, type DetectResult } from '../../contract/vision';
import type { Command } from '../command';
import { UsageError, boundsOf, intFlag, printJson, rangeText } from '../command';

// Bounds and levels from the engine's request schema, so the flags check what detect checks.
const D = DetectOptionsSchema.shape;
const QUALITY = D.qualityControl.unwrap().options.map((o) => o.value);

function qualityLevel(v: unknown): NonNullable<DetectOptions['qualityControl']> {
  const r = D.qualityControl.safeParse(Number(v));
  if (!r.success || r.data === undefined) throw new UsageError(`--quality must be one of ${QUALITY.join(', ')}`);
  return r.data;
}

export const detect: Command = {
  name: 'detect',
  summary: 'Faces in each image: boxes (oriented pixels), scores, quality',
  synopsis: 'detect <image...>',
  options: {
    'max-faces': { type: 'string' },
    'min-face-size': { type: 'string' },
    quality: { type: 'string' },
    'no-rotate': { type: 'boolean', default: false },
  },
  optionHelp: [
    `--max-faces <n>           Largest faces first, at most n (0 = all, at most ${boundsOf(D.maxFaces)[1]})`,
    `--min-face-size <px>      Ignore faces whose shorter side is smaller (${rangeText(D.minFaceSize)})`,
    `--quality <${QUALITY[0]}-${QUALITY.at(-1)}>           Quality control level (0 none .. 4 very high)`,
    '--no-rotate               Do not try rotated copies of images without faces',
  ],
  async run({ engine, values: v, positionals, json, out, err }) {
    if (positionals.length === 0) throw new UsageError('detect needs at least one image path');
    const options = {
      ...(v['max-faces'] !== undefined ? { maxFaces: intFlag(v['max-faces'], '--max-faces', D.maxFaces) } : {}),
      ...(v['min-face-size'] !== undefined ? { minFaceSize: intFlag(v['min-face-size'], '--min-face-size', D.minFaceSize) } : {}),
      ...(v.quality !== undefined ? { qualityControl: qualityLevel(v.quality) } : {}),
      ...(v['no-rotate'] ? { detectRotated: false } : {}),
    };
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
    if (json) printJson(out, positionals.length === 1 ? results[0] : results);
    return failed > 0 ? 2 : 0;
  },
};

export const compare: Command = {
  name: 'compare',
  summary: 'Similarity of the largest faces of two images and the same/different decision',
  synopsis: 'compare <imageA> <imageB>',
  async run({ engine, positionals, json, out }) {
    if (positionals.length !== 2) throw new UsageError('compare needs exactly two image paths');
    const r = await engine.compare({ a: positionals[0]!, b: positionals[1]! });
    if (json) printJson(out, r);
    else out.write(`similarity ${r.similarity.toFixed(3)} (threshold ${r.threshold})\n${r.samePerson ? 'same person' : 'different people'}\n`);
    return 0;
  },
};

export const models: Command = {
  name: 'models',
  summary: 'Which models and execution provider are in use; install the YuNet detector',
  synopsis: 'models',
  options: { 'install-yunet': { type: 'boolean', default: false }, from: { type: 'string' } },
  optionHelp: [
    '--install-yunet           Download the YuNet detector (checksum-verified) and use it from now on',
    '--from <url|folder|file>  Where to take YuNet from (default: OpenCV Zoo)',
  ],
  async run({ engine, json, out, values }) {
    if (values['install-yunet']) {
      const r = await engine.installYunet(typeof values.from === 'string' ? values.from : undefined);
      if (json) printJson(out, r);
      else out.write(`installed ${r.installed.join(', ') || 'nothing new'}${r.alreadyPresent.length ? ` (already there: ${r.alreadyPresent.join(', ')})` : ''}; it is the detector from the next run on\n`);
      return 0;
    }
    const s = engine.visionStatus();
    if (json) printJson(out, s);
    else {
      out.write(`provider   ${s.provider.active} (requested ${s.provider.requested})\n`);
      if (s.provider.fallbackReason) out.write(`           fell back: ${s.provider.fallbackReason}\n`);
      out.write(`detector   ${s.detector}\nlandmarks  ${s.landmarks}\nembedder   ${s.embedder}\nfolder     ${s.modelsDir}\n`);
    }
    return 0;
  },
};

function printDetect(out: NodeJS.WritableStream, r: DetectResult): void {
  out.write(`${r.path}: ${r.faces.length} face${r.faces.length === 1 ? '' : 's'} (${r.image.width}x${r.image.height})\n`);
  r.faces.forEach((f, i) => {
    const b = f.box;
    out.write(
      `  #${i + 1} box ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}  score ${f.score.toFixed(2)}  quality ${f.quality.toFixed(2)}${f.rotation ? `  rotated ${f.rotation}°` : ''}\n`,
    );
  });
}
