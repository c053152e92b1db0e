/**
 * Face regions in XMP, the way digiKam, Lightroom, Picasa and Windows Photo Gallery exchange names:
 * MWG regions (mwg-rs:Regions: normalized centre x/y, width/height, relative to AppliedToDimensions) and,
 * when reading, Microsoft Photo regions (MPRI: normalized left, top, width, height).
 *
 * MWG regions apply to the stored pixels, not the displayed ones ("Region metadata is applied to the
 * stored image. When applying a rotation by applying Exif Orientation, the rotation must be applied to
 * the regions as well", MWG guidelines 2.0, 5.9), while this app's boxes are in oriented (displayed)
 * pixels: boxes are mapped through the EXIF orientation both ways.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NamedRegion {
  name: string;
  /** Oriented-image pixels. */
  box: Box;
}

/** A region in stored pixels: what MWG writes. */
export interface StoredRegion {
  name: string;
  box: Box;
}

export interface ImageGeometry {
  /** Stored (unrotated) pixel size. */
  width: number;
  height: number;
  /** EXIF orientation 1-8 (1 when absent). */
  orientation: number;
}

const swaps = (o: number) => o >= 5 && o <= 8;

/** Oriented-pixel point -> stored-pixel point (continuous coordinates). */
function toStored(x: number, y: number, g: ImageGeometry): [number, number] {
  const { width: W, height: H } = g;
  switch (g.orientation) {
    case 2: return [W - x, y];
    case 3: return [W - x, H - y];
    case 4: return [x, H - y];
    case 5: return [y, x];
    case 6: return [y, H - x];
    case 7: return [W - y, H - x];
    case 8: return [W - y, x];
    default: return [x, y];
  }
}

/** Stored-pixel point -> oriented-pixel point. */
function toOriented(x: number, y: number, g: ImageGeometry): [number, number] {
  const { width: W, height: H } = g;
  switch (g.orientation) {
    case 2: return [W - x, y];
    case 3: return [W - x, H - y];
    case 4: return [x, H - y];
    case 5: return [y, x];
    case 6: return [H - y, x];
    case 7: return [H - y, W - x];
    case 8: return [y, W - x];
    default: return [x, y];
  }
}

function mapBox(b: Box, f: (x: number, y: number) => [number, number]): Box {
  const [x1, y1] = f(b.x, b.y);
  const [x2, y2] = f(b.x + b.width, b.y + b.height);
  return { x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
}

export function orientedToStored(b: Box, g: ImageGeometry): Box {
  return mapBox(b, (x, y) => toStored(x, y, g));
}

export function storedToOriented(b: Box, g: ImageGeometry): Box {
  return mapBox(b, (x, y) => toOriented(x, y, g));
}

/** Displayed size of an image of this geometry. */
export function orientedSize(g: ImageGeometry): { width: number; height: number } {
  return swaps(g.orientation) ? { width: g.height, height: g.width } : { width: g.width, height: g.height };
}

const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  mwgRs: 'http://www.metadataworkinggroup.com/schemas/regions/',
  stArea: 'http://ns.adobe.com/xmp/sType/Area#',
  stDim: 'http://ns.adobe.com/xap/1.0/sType/Dimensions#',
};

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const num = (v: number) => (Math.round(v * 1e6) / 1e6).toString();

/** The mwg-rs:Regions element for named regions in oriented pixels. */
export function regionsElement(regions: readonly NamedRegion[], g: ImageGeometry, indent = '   '): string {
  const items = regions.map((r) => {
    const b = orientedToStored(r.box, g);
    const cx = (b.x + b.width / 2) / g.width;
    const cy = (b.y + b.height / 2) / g.height;
    return [
      `${indent}    <rdf:li rdf:parseType="Resource">`,
      `${indent}     <mwg-rs:Name>${escapeXml(r.name)}</mwg-rs:Name>`,
      `${indent}     <mwg-rs:Type>Face</mwg-rs:Type>`,
      `${indent}     <mwg-rs:Area stArea:x="${num(cx)}" stArea:y="${num(cy)}" stArea:w="${num(b.width / g.width)}" stArea:h="${num(b.height / g.height)}" stArea:unit="normalized"/>`,
      `${indent}    </rdf:li>`,
    ].join('\n');
  });
  return [
    `${indent}<mwg-rs:Regions rdf:parseType="Resource">`,
    `${indent} <mwg-rs:AppliedToDimensions stDim:w="${g.width}" stDim:h="${g.height}" stDim:unit="pixel"/>`,
    `${indent} <mwg-rs:RegionList>`,
    `${indent}  <rdf:Bag>`,
    ...items,
    `${indent}  </rdf:Bag>`,
    `${indent} </mwg-rs:RegionList>`,
    `${indent}</mwg-rs:Regions>`,
  ].join('\n');
}

/** A whole XMP packet (what a sidecar holds) with the regions. */
export function xmpPacket(regions: readonly NamedRegion[], g: ImageGeometry): string {
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    `<x:xmpmeta xmlns:x="${NS.x}" x:xmptk="Face Organizer">`,
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">`,
    `  <rdf:Description rdf:about="" xmlns:mwg-rs="${NS.mwgRs}" xmlns:stArea="${NS.stArea}" xmlns:stDim="${NS.stDim}">`,
    regionsElement(regions, g),
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
    '',
  ].join('\n');
}

const REGIONS_RE = /<mwg-rs:Regions\b[\s\S]*?<\/mwg-rs:Regions>|<mwg-rs:Regions\b[^>]*\/>/;

/**
 * Puts the regions into an existing sidecar written by another program, keeping everything else in it:
 * an existing mwg-rs:Regions element is replaced, otherwise the element (and the namespaces it needs)
 * goes into the first rdf:Description. Returns null when the text is not an XMP packet we can edit safely.
 */
export function mergeRegionsIntoXmp(existing: string, regions: readonly NamedRegion[], g: ImageGeometry): string | null {
  const element = regionsElement(regions, g);
  if (REGIONS_RE.test(existing)) return existing.replace(REGIONS_RE, element.trimStart());
  const m = /<rdf:Description\b([^>]*?)(\/?)>/.exec(existing);
  if (!m) return null;
  let attrs = m[1]!;
  for (const [prefix, uri] of [['mwg-rs', NS.mwgRs], ['stArea', NS.stArea], ['stDim', NS.stDim]] as const) {
    if (!new RegExp(`xmlns:${prefix}=`).test(attrs)) attrs += ` xmlns:${prefix}="${uri}"`;
  }
  const open = `<rdf:Description${attrs}>`;
  const replacement = m[2] === '/' ? `${open}\n${element}\n  </rdf:Description>` : `${open}\n${element}`;
  return existing.slice(0, m.index) + replacement + existing.slice(m.index + m[0].length);
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

/** A property written either as an attribute (prefix:name="v") or as an element (<prefix:name>v</prefix:name>). */
function prop(xml: string, qname: string): string | null {
  const esc = qname.replace(/[-:]/g, (c) => `\\${c}`);
  const attr = new RegExp(`${esc}="([^"]*)"`).exec(xml);
  if (attr) return unescapeXml(attr[1]!);
  const el = new RegExp(`<${esc}>([^<]*)</${esc}>`).exec(xml);
  return el ? unescapeXml(el[1]!.trim()) : null;
}

/**
 * Named face regions of an XMP packet, in oriented pixels of an image with geometry `g`. Reads MWG
 * regions and, when there are none, Microsoft Photo regions (MP:RegionInfo, MPReg:PersonDisplayName,
 * MPReg:Rectangle "left, top, width, height", normalized to the displayed image).
 */
export function parseRegions(xml: string, g: ImageGeometry): NamedRegion[] {
  const out: NamedRegion[] = [];
  const regions = REGIONS_RE.exec(xml)?.[0];
  if (regions) {
    const dimW = Number(prop(/<mwg-rs:AppliedToDimensions\b[\s\S]*?(?:\/>|<\/mwg-rs:AppliedToDimensions>)/.exec(regions)?.[0] ?? '', 'stDim:w'));
    const dimH = Number(prop(/<mwg-rs:AppliedToDimensions\b[\s\S]*?(?:\/>|<\/mwg-rs:AppliedToDimensions>)/.exec(regions)?.[0] ?? '', 'stDim:h'));
    // Regions written for another size of the same picture (a resized copy) still scale correctly: they are normalized.
    const stored = { width: dimW > 0 ? dimW : g.width, height: dimH > 0 ? dimH : g.height };
    for (const li of regions.match(/<rdf:li\b[\s\S]*?<\/rdf:li>/g) ?? []) {
      const name = prop(li, 'mwg-rs:Name');
      const type = prop(li, 'mwg-rs:Type');
      if (!name || (type && type !== 'Face')) continue;
      const area = /<mwg-rs:Area\b[\s\S]*?(?:\/>|<\/mwg-rs:Area>)/.exec(li)?.[0] ?? '';
      const [x, y, w, h] = ['stArea:x', 'stArea:y', 'stArea:w', 'stArea:h'].map((k) => Number(prop(area, k)));
      if (![x, y, w, h].every((v) => Number.isFinite(v))) continue;
      const sx = g.width / stored.width, sy = g.height / stored.height;
      const box = { x: (x! - w! / 2) * stored.width * sx, y: (y! - h! / 2) * stored.height * sy, width: w! * stored.width * sx, height: h! * stored.height * sy };
      out.push({ name, box: storedToOriented(box, g) });
    }
    return out;
  }
  const shown = orientedSize(g);
  for (const li of xml.match(/<rdf:li\b[\s\S]*?<\/rdf:li>/g) ?? []) {
    const name = prop(li, 'MPReg:PersonDisplayName');
    const rect = prop(li, 'MPReg:Rectangle');
    if (!name || !rect) continue;
    const [l, t, w, h] = rect.split(',').map((v) => Number(v.trim()));
    if (![l, t, w, h].every((v) => Number.isFinite(v))) continue;
    out.push({ name, box: { x: l! * shown.width, y: t! * shown.height, width: w! * shown.width, height: h! * shown.height } });
  }
  return out;
}
