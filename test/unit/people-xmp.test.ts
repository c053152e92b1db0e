/**
 * MWG / Microsoft region XMP: boxes survive every EXIF orientation both ways, names with markup
 * characters round-trip, a foreign sidecar keeps its other metadata, and attribute or element forms read.
 */
import { describe, expect, it } from 'vitest';
import { mergeRegionsIntoXmp, orientedSize, orientedToStored, parseRegions, storedToOriented, xmpPacket } from '../../src-main/engine/people/xmp';
import { sidecarPaths } from '../../src-main/engine/people/region-reader';

const g = (orientation: number) => ({ width: 400, height: 300, orientation });
const box = { x: 30, y: 40, width: 50, height: 60 };

describe('orientation', () => {
  it('maps boxes to stored pixels and back for all eight orientations', () => {
    for (let o = 1; o <= 8; o++) {
      const stored = orientedToStored(box, g(o));
      const back = storedToOriented(stored, g(o));
      for (const k of ['x', 'y', 'width', 'height'] as const) expect(back[k]).toBeCloseTo(box[k], 6);
      const shown = orientedSize(g(o));
      expect(shown.width).toBe(o >= 5 ? 300 : 400);
    }
  });

  it('puts the displayed top-left corner where EXIF says the stored pixels are', () => {
    // 6: stored pixels turned 90° clockwise for display; the displayed top-left is the stored bottom-left.
    expect(orientedToStored({ x: 0, y: 0, width: 10, height: 20 }, g(6))).toEqual({ x: 0, y: 290, width: 20, height: 10 });
    // 8: turned 90° counter-clockwise; the displayed top-left is the stored top-right.
    expect(orientedToStored({ x: 0, y: 0, width: 10, height: 20 }, g(8))).toEqual({ x: 380, y: 0, width: 20, height: 10 });
    // 3: upside down.
    expect(orientedToStored({ x: 0, y: 0, width: 10, height: 20 }, g(3))).toEqual({ x: 390, y: 280, width: 10, height: 20 });
  });
});

describe('MWG regions', () => {
  it('round-trips names and boxes through a packet', () => {
    const regions = [{ name: 'Ann & "Bo" <3', box }, { name: 'Zoë', box: { x: 200, y: 10, width: 20, height: 20 } }];
    for (const o of [1, 6, 8]) {
      const xml = xmpPacket(regions, g(o));
      expect(xml).toContain('stDim:w="400" stDim:h="300"');
      const back = parseRegions(xml, g(o));
      expect(back.map((r) => r.name)).toEqual(regions.map((r) => r.name));
      for (const k of ['x', 'y', 'width', 'height'] as const) expect(back[0]!.box[k]).toBeCloseTo(box[k], 3);
    }
  });

  it('reads element-form regions written by other tools, skipping non-face and nameless ones', () => {
    const xml = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description rdf:about="" xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#" xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#">
      <mwg-rs:Regions rdf:parseType="Resource">
        <mwg-rs:AppliedToDimensions rdf:parseType="Resource"><stDim:w>800</stDim:w><stDim:h>600</stDim:h><stDim:unit>pixel</stDim:unit></mwg-rs:AppliedToDimensions>
        <mwg-rs:RegionList><rdf:Bag>
          <rdf:li rdf:parseType="Resource"><mwg-rs:Name>Jane</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>
            <mwg-rs:Area rdf:parseType="Resource"><stArea:x>0.5</stArea:x><stArea:y>0.5</stArea:y><stArea:w>0.1</stArea:w><stArea:h>0.2</stArea:h><stArea:unit>normalized</stArea:unit></mwg-rs:Area></rdf:li>
          <rdf:li rdf:parseType="Resource"><mwg-rs:Type>Focus</mwg-rs:Type><mwg-rs:Name>AF</mwg-rs:Name><mwg-rs:Area stArea:x="0.1" stArea:y="0.1" stArea:w="0.1" stArea:h="0.1"/></rdf:li>
          <rdf:li rdf:parseType="Resource"><mwg-rs:Type>Face</mwg-rs:Type><mwg-rs:Area stArea:x="0.1" stArea:y="0.1" stArea:w="0.1" stArea:h="0.1"/></rdf:li>
        </rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>`;
    // The regions were written for an 800x600 copy; this one is 400x300.
    const r = parseRegions(xml, g(1));
    expect(r).toEqual([{ name: 'Jane', box: { x: 180, y: 120, width: 40, height: 60 } }]);
  });

  it('reads Microsoft Photo regions when there are no MWG ones', () => {
    const xml = `<rdf:Description xmlns:MP="http://ns.microsoft.com/photo/1.2/" xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#" xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#">
      <MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>
      <rdf:li MPReg:PersonDisplayName="Bob" MPReg:Rectangle="0.25, 0.5, 0.1, 0.2"/>
      <rdf:li rdf:parseType="Resource"><MPReg:PersonDisplayName>Eve</MPReg:PersonDisplayName><MPReg:Rectangle>0, 0, 0.5, 0.5</MPReg:Rectangle></rdf:li>
      </rdf:Bag></MPRI:Regions></MP:RegionInfo></rdf:Description>`;
    // MP rectangles are relative to the displayed image.
    expect(parseRegions(xml.replace('<rdf:li MPReg:PersonDisplayName="Bob" MPReg:Rectangle="0.25, 0.5, 0.1, 0.2"/>', '<rdf:li MPReg:PersonDisplayName="Bob" MPReg:Rectangle="0.25, 0.5, 0.1, 0.2"></rdf:li>'), g(6))).toEqual([
      { name: 'Bob', box: { x: 75, y: 200, width: 30, height: 80 } },
      { name: 'Eve', box: { x: 0, y: 0, width: 150, height: 200 } },
    ]);
  });

  it("puts regions into another program's sidecar and keeps the rest", () => {
    const foreign = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4"/>
</rdf:RDF></x:xmpmeta>`;
    const merged = mergeRegionsIntoXmp(foreign, [{ name: 'Jane', box }], g(1))!;
    expect(merged).toContain('xmp:Rating="4"');
    expect(merged).toContain('xmlns:mwg-rs=');
    expect(parseRegions(merged, g(1)).map((r) => r.name)).toEqual(['Jane']);
    const replaced = mergeRegionsIntoXmp(merged, [{ name: 'Joan', box }], g(1))!;
    expect(parseRegions(replaced, g(1)).map((r) => r.name)).toEqual(['Joan']);
    expect(replaced).toContain('xmp:Rating="4"');
    expect(mergeRegionsIntoXmp('not xmp at all', [{ name: 'x', box }], g(1))).toBeNull();
  });

  it('looks for sidecars in both naming conventions', () => {
    expect(sidecarPaths('/p/a.jpg')).toEqual(['/p/a.jpg.xmp', '/p/a.xmp']);
  });
});
