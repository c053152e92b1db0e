/** search, search-persons, media, clips: the search commands (IMM / ICE / Tencent parameter names). */
import { FaceSearchFields, MediaSearchFields, PersonSearchRequestSchema, SEARCH_LIMITS } from '../../contract/search';
import { DEFAULT_SEARCH_SETTINGS } from '../../engine/settings';
import type { Command } from '../command';
import { UsageError, intFlag, numFlag, printJson, rangeText } from '../command';

// Flags take their bounds from the engine's request schemas and their defaults from the search
// settings, so help and checks never drift from what the engine does.
const F = FaceSearchFields.shape;
const P = PersonSearchRequestSchema.shape;
const M = MediaSearchFields.shape;

function timeRange(values: Record<string, unknown>): { startTime?: number; endTime?: number } {
  const parse = (v: unknown, flag: string) => {
    const t = Date.parse(String(v));
    if (Number.isNaN(t)) throw new UsageError(`${flag} must be a date (YYYY-MM-DD or an ISO time)`);
    return t;
  };
  return {
    ...(values.from !== undefined ? { startTime: parse(values.from, '--from') } : {}),
    ...(values.to !== undefined ? { endTime: parse(values.to, '--to') } : {}),
  };
}

const TIME_OPTIONS = { from: { type: 'string' }, to: { type: 'string' } } as const;
const TIME_HELP = ['--from <date> --to <date>  Only faces captured in this range'];

export const search: Command = {
  name: 'search',
  summary: 'Faces in the library most like the largest face of an image (or a face id)',
  synopsis: 'search <image | --face id>',
  library: true,
  options: { max: { type: 'string' }, threshold: { type: 'string' }, face: { type: 'string' }, 'face-index': { type: 'string' }, ...TIME_OPTIONS },
  optionHelp: [
    `--max <n>                 Results, ${rangeText(F.maxResults)} (default ${SEARCH_LIMITS.defaultMaxResults}; 0 = all above the threshold)`,
    `--threshold <t>           Similarity floor ${rangeText(F.threshold)} (default ${DEFAULT_SEARCH_SETTINGS.faceThreshold}; 0.45 for very few false matches)`,
    '--face <id>               Search with a face of the library instead of an image',
    '--face-index <i>          Which face of the image, 0 = largest',
    ...TIME_HELP,
  ],
  async run({ engine, json, out, values, positionals }) {
    const image = positionals[0];
    if (!image && typeof values.face !== 'string') throw new UsageError('search needs an image path or --face <id>');
    const r = await engine.search.searchFaces({
      ...(image ? { image } : { faceId: values.face as string }),
      ...(values.max !== undefined ? { maxResults: intFlag(values.max, '--max', F.maxResults) } : {}),
      ...(values.threshold !== undefined ? { threshold: numFlag(values.threshold, '--threshold', F.threshold) } : {}),
      ...(values['face-index'] !== undefined ? { faceIndex: intFlag(values['face-index'], '--face-index', F.faceIndex) } : {}),
      ...timeRange(values),
    });
    if (json) printJson(out, r);
    else {
      for (const q of r.queries) {
        out.write(`query face #${q.queryFace.index} (${Math.round(q.queryFace.box.width)} px): ${q.results.length} matches\n`);
        for (const m of q.results) {
          out.write(`  ${m.score.toFixed(3)}  ${m.path}${m.frameTime !== null ? ` @ ${m.frameTime.toFixed(1)} s` : ''}${m.personName ? `  (${m.personName})` : ''}\n`);
        }
      }
    }
    return 0;
  },
};

export const searchPersons: Command = {
  name: 'search-persons',
  summary: 'Persons most like the faces of an image, grouped by library folder',
  synopsis: 'search-persons <image> [--group <folder>...]',
  library: true,
  options: { group: { type: 'string', multiple: true }, 'max-faces': { type: 'string' }, 'max-persons': { type: 'string' }, threshold: { type: 'string' } },
  optionHelp: [
    `--group <folder>          A library folder (id or path), repeatable, up to ${SEARCH_LIMITS.groupIds} (default: all)`,
    `--max-faces <n>           Faces of the image to search with, ${rangeText(P.maxFaces)} (default 1)`,
    `--max-persons <n>         Candidates per folder, ${rangeText(P.maxPersonsPerGroup)} (default ${SEARCH_LIMITS.defaultMaxPersonsPerGroup})`,
    `--threshold <t>           Match floor ${rangeText(P.faceMatchThreshold)} (default ${DEFAULT_SEARCH_SETTINGS.personThreshold})`,
  ],
  async run({ engine, json, out, values, positionals }) {
    const [image] = positionals;
    if (!image) throw new UsageError('search-persons needs an image path');
    const r = await engine.search.searchPersons({
      image,
      ...(Array.isArray(values.group) ? { groupIds: values.group as string[] } : {}),
      ...(values['max-faces'] !== undefined ? { maxFaces: intFlag(values['max-faces'], '--max-faces', P.maxFaces) } : {}),
      ...(values['max-persons'] !== undefined ? { maxPersonsPerGroup: intFlag(values['max-persons'], '--max-persons', P.maxPersonsPerGroup) } : {}),
      ...(values.threshold !== undefined ? { faceMatchThreshold: numFlag(values.threshold, '--threshold', P.faceMatchThreshold) } : {}),
    });
    if (json) printJson(out, r);
    else out.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  },
};

export const media: Command = {
  name: 'media',
  summary: 'Photos and videos containing the person of an image (or a person id), paged',
  synopsis: 'media <image | --person id>',
  library: true,
  options: { person: { type: 'string' }, type: { type: 'string' }, page: { type: 'string' }, 'page-size': { type: 'string' }, token: { type: 'string' }, threshold: { type: 'string' } },
  optionHelp: [
    '--person <id>             A person of the library instead of an image',
    '--type image|video        Only photos or only videos',
    `--page <n> --page-size <n> Paging (page size ${rangeText(M.pageSize)}, default ${SEARCH_LIMITS.defaultPageSize})`,
    '--token <t>               The search token of an earlier search (next pages)',
    `--threshold <t>           Match floor ${rangeText(M.threshold)} for image queries (default ${DEFAULT_SEARCH_SETTINGS.mediaThreshold})`,
  ],
  async run({ engine, json, out, values, positionals }) {
    const [image] = positionals;
    const given = [image, values.person, values.token].filter((v) => v !== undefined).length;
    if (given !== 1) throw new UsageError('media needs exactly one of an image path, --person <id> or --token <t>');
    const types = M.mediaType.unwrap().options;
    if (values.type !== undefined && !types.includes(values.type as (typeof types)[number])) throw new UsageError(`--type must be ${types.join(' or ')}`);
    const r = await engine.search.searchMedia({
      ...(image ? { personImage: image } : values.person ? { personId: values.person as string } : { faceSearchToken: values.token as string }),
      ...(values.type ? { mediaType: values.type as (typeof types)[number] } : {}),
      ...(values.page !== undefined ? { pageNo: intFlag(values.page, '--page', M.pageNo) } : {}),
      ...(values['page-size'] !== undefined ? { pageSize: intFlag(values['page-size'], '--page-size', M.pageSize) } : {}),
      ...(values.threshold !== undefined ? { threshold: numFlag(values.threshold, '--threshold', M.threshold) } : {}),
    });
    if (json) printJson(out, r);
    else {
      for (const m of r.mediaInfoList) out.write(`  ${m.score.toFixed(3)}  ${m.kind === 'video' ? 'video' : 'photo'}  ${m.path}\n`);
      out.write(`page ${r.pageNo} (${r.mediaInfoList.length} of ${r.total}); token ${r.faceSearchToken}\n`);
    }
    return 0;
  },
};

export const clips: Command = {
  name: 'clips',
  summary: 'Where in each video the person of an image (or a search token) is on screen',
  synopsis: 'clips <image | --token t | --person id>',
  library: true,
  options: { token: { type: 'string' }, person: { type: 'string' } },
  optionHelp: ['--token <t>               The token of an earlier media search', '--person <id>             A person of the library'],
  async run({ engine, json, out, values, positionals }) {
    const [image] = positionals;
    const given = [image, values.person, values.token].filter((v) => v !== undefined).length;
    if (given !== 1) throw new UsageError('clips needs exactly one of an image path, --token <t> or --person <id>');
    const r = await engine.search.searchClips(image ? { personImage: image } : values.person ? { personId: values.person as string } : { faceSearchToken: values.token as string });
    if (json) printJson(out, r);
    else out.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  },
};

export const SEARCH_COMMANDS: Command[] = [search, searchPersons, media, clips];
