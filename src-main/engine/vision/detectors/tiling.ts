/**
 * Where a fixed-size detector looks: the whole photo at its own scale, then overlapping windows at
 * doubling scales until small faces are large enough for it. Pure geometry, so it is tested alone.
 */

export interface Window {
  /** Level scale: window pixels per raster pixel. */
  scale: number;
  /** Top-left of the window in level pixels (may be negative: padding). */
  x: number;
  y: number;
  /** Largest face side (window px) trusted from this window; bigger ones belong to a coarser level. */
  maxFace: number;
  /** Which window edges are interior (cut through the photo): detections touching them are partial. */
  interior: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

export interface TilePlanOptions {
  tileWidth: number;
  tileHeight: number;
  /** Finest level never enlarges the photo beyond this scale. */
  maxScale: number;
  /** Overlap of neighbouring windows, level px; must exceed `maxFaceFine` so no trusted face is cut. */
  overlap: number;
  /** Largest face (window px) trusted on levels finer than the first. */
  maxFaceFine: number;
  /** Add a pass with the photo shrunk inside padding: finds a face that fills the whole frame. */
  paddedPass: boolean;
}

export function planWindows(width: number, height: number, o: TilePlanOptions): Window[] {
  const none = { left: false, top: false, right: false, bottom: false };
  const s0 = Math.min(o.tileWidth / width, o.tileHeight / height);
  const windows: Window[] = [{ scale: s0, x: 0, y: 0, maxFace: Infinity, interior: none }];
  if (o.paddedPass) {
    // Centred at 60 % of the fitted size: close-up faces touching every edge become whole again.
    const s = s0 * 0.6;
    windows.push({
      scale: s,
      x: -(o.tileWidth - width * s) / 2,
      y: -(o.tileHeight - height * s) / 2,
      maxFace: Infinity,
      interior: none,
    });
  }
  for (let s = s0 * 2; s <= o.maxScale * 1.0001; s *= 2) {
    const lw = width * s;
    const lh = height * s;
    const xs = starts(lw, o.tileWidth, o.overlap);
    const ys = starts(lh, o.tileHeight, o.overlap);
    for (const y of ys) {
      for (const x of xs) {
        windows.push({
          scale: s,
          x,
          y,
          maxFace: o.maxFaceFine,
          interior: { left: x > 0, top: y > 0, right: x + o.tileWidth < lw, bottom: y + o.tileHeight < lh },
        });
      }
    }
  }
  return windows;
}

/** Evenly spread window starts covering [0, length) with at least `overlap` between neighbours. */
function starts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const n = Math.ceil((length - tile) / (tile - overlap)) + 1;
  const step = (length - tile) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * step));
}

/** True when a box (window px) touches an interior edge of its window, i.e. the face may be cut. */
export function touchesInterior(
  w: Window,
  box: { x: number; y: number; width: number; height: number },
  tileWidth: number,
  tileHeight: number,
  margin = 2,
): boolean {
  return (
    (w.interior.left && box.x <= margin) ||
    (w.interior.top && box.y <= margin) ||
    (w.interior.right && box.x + box.width >= tileWidth - margin) ||
    (w.interior.bottom && box.y + box.height >= tileHeight - margin)
  );
}
