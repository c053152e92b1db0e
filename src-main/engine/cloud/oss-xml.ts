/**
 * Reading the few XML documents OSS answers with (ListBucketResult, Error). Their shape is flat and
 * fixed, so a tag extractor is enough and spares a dependency; it is not a general XML parser and
 * refuses nothing it does not understand (unknown tags are ignored).
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_m, e: string) => {
      if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
      if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
      return ENTITIES[e] ?? _m;
    });
}

/** Text of the first <tag>…</tag> in `xml`, decoded; undefined when absent. */
export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (m) return decodeXmlText(m[1] ?? '');
  return new RegExp(`<${tag}(?:\\s[^>]*)?/>`).test(xml) ? '' : undefined;
}

/** Inner XML of every <tag>…</tag> block, in order. */
export function xmlBlocks(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  const out: string[] = [];
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1] ?? '');
  return out;
}
