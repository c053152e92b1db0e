/** search, search-persons, media, clips: the search commands (IMM / ICE / Tencent parameter names). */
import type { Command } from '../command';
import { UsageError, int, num, printJson } from '../command';

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
    '--max <n>                 Results, 0-100 (default 5; 0 = all above the threshold)',
    '--threshold <t>           Similarity floor 0-1 (default 0.32; 0.45 for very few false matches)',
    '--face <id>               Search with a face of the library instead of an image',
    '--face-index <i>          Which face of the image, 0 = largest',
    ...TIME_HELP,
  ],
  async run({ engine, json, out, values, positionals }) {
    const image = positionals[0];
    if (!image && typeof values.face !== 'string') throw new UsageError('search needs an image path or --face <id>');
    const r = await engine.search.searchFaces({
      ...(image ? { image } : { faceId: values.face as string }),
      ...(values.max !== undefined ? { maxResults: int(values.max, '--max', 0, 100) } : {}),
      ...(values.threshold !== undefined ? { threshold: num(values.threshold, '--threshold', 0, 1) } : {}),
      ...(values['face-index'] !== undefined ? { faceIndex: int(values['face-index'], '--face-index', 0, 100) } : {}),
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
    '--group <folder>          A library folder (id or path), repeatable, up to 60 (default: all)',
    '--max-faces <n>           Faces of the image to search with, 1-10 (default 1)',
    '--max-persons <n>         Candidates per folder, 1-10 (default 5)',
    '--threshold <t>           Match floor 0-1',
  ],
  async run({ engine, json, out, values, positionals }) {
    const [image] = positionals;
    if (!image) throw new UsageError('search-persons needs an image path');
    const r = await engine.search.searchPersons({
      image,
      ...(Array.isArray(values.group) ? { groupIds: values.group as string[] } : {}),
      ...(values['max-faces'] !== undefined ? { maxFaces: int(values['max-faces'], '--max-faces', 1, 10) } : {}),
      ...(values['max-persons'] !== undefined ? { maxPersonsPerGroup: int(values['max-persons'], '--max-persons', 1, 10) } : {}),
      ...(values.threshold !== undefined ? { faceMatchThreshold: num(values.threshold, '--threshold', 0, 1) } : {}),
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
    '--page <n> --page-size <n> Paging (page size at most 50, default 10)',
    '--token <t>               The search token of an earlier search (next pages)',
    '--threshold <t>           Match floor 0-1 for image queries',
  ],
  async run({ engine, json, out, values, positionals }) {
    const [image] = positionals;
    const given = [image, values.person, values.token].filter((v) => v !== undefined).length;
    if (given !== 1) throw new UsageError('media needs exactly one of an image path, --person <id> or --token <t>');
    if (values.type !== undefined && values.type !== 'image' && values.type !== 'video') throw new UsageError('--type must be image or video');
    const r = await engine.search.searchMedia({
      ...(image ? { personImage: image } : values.person ? { personId: values.person as string } : { faceSearchToken: values.token as string }),
      ...(values.type ? { mediaType: values.type as 'image' | 'video' } : {}),
      ...(values.page !== undefined ? { pageNo: int(values.page, '--page', 1) } : {}),
      ...(values['page-size'] !== undefined ? { pageSize: int(values['page-size'], '--page-size', 1, 50) } : {}),
      ...(values.threshold !== undefined ? { threshold: num(values.threshold, '--threshold', 0, 1) } : {}),
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
