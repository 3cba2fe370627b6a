/**
 * The order of an imagefolder dataset's classes: its class folders sorted as Python sorts strings (by
 * code point), as torchvision's ImageFolder does, so that class index k names the same folder in the
 * engine (which assigns the labels, engine/data/imagefolder.ts) and in the dashboard (which names them,
 * extension/dashboard/class-names.ts). Pure: no imports.
 */

/** Python's string order (by code point), which differs from JS's UTF-16 order only beyond U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}
