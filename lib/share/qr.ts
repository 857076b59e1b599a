/**
 * The vote link as a QR code: inline SVG markup, made on the server by lean-qr.
 *
 * The markup is safe to inject as HTML: lean-qr writes only geometry (the text never
 * appears in it), every attribute here is a constant, and `checkShape` refuses
 * anything else, so a future version of the library cannot slip the text in.
 * Colours are SVG presentation attributes, not `style`, so `style-src 'self'` allows them.
 */
import { correction, generate } from "lean-qr";
import { toSvgSource } from "lean-qr/extras/svg";

export const QR_LABEL = "QR code for the vote link";
/** Distinct links kept: one per ballot and public host; more are re-encoded. */
export const QR_CACHE_LIMIT = 1_000;

// Dark modules on a light tile with the standard 4-module quiet zone: what scanners read best.
const DARK = "#131314";
const LIGHT = "#ffffff";
const QUIET_ZONE = 4;

const cache = new Map<string, string>();

/** Inline `<svg>` markup of `text` as a QR code, with `role="img"` and its label. */
export function qrSvg(text: string): string {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const svg = encode(text);
  if (cache.size >= QR_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(text, svg);
  return svg;
}

/** How many links are cached now (for tests of the bound). */
export function qrCacheSize(): number {
  return cache.size;
}

function encode(text: string): string {
  const code = generate(text, { minCorrectionLevel: correction.M });
  const svg = toSvgSource(code, { on: DARK, off: LIGHT, pad: QUIET_ZONE });
  checkShape(svg);
  return svg.replace(
    /^<svg /,
    `<svg class="qr-code" role="img" aria-label="${QR_LABEL}" `,
  );
}

// One svg, one background rect, one path of move/line/close commands; attribute values plain.
const SHAPE =
  /^<svg(?: [a-zA-Z-]+="[-\w.:/ #]*")+><rect(?: [a-z]+="[-\w.#]*")+><\/rect><path d="[MLZ\d ]*" fill="[#\w]+"><\/path><\/svg>$/;

function checkShape(svg: string): void {
  if (!SHAPE.test(svg)) throw new Error("lean-qr produced SVG markup of an unexpected shape.");
}
