/** Links that leave the page (share links, QR codes): absolute, and never from a malformed Host. */
import type { Ctx } from "./_context.ts";

/**
 * OPONN_PUBLIC_URL when set; otherwise the request's Host (checked well-formed
 * by the global middleware), with `https` when a trusted proxy says so.
 */
export function publicUrl(c: Ctx, path: string): string {
  const { config, addresses } = c.get("deps");
  if (config.publicUrl) return new URL(path, config.publicUrl).href;
  const info = c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined;
  const peer = info?.remoteAddr?.hostname;
  const viaTls = peer !== undefined && addresses.isTrusted(peer) &&
    c.req.header("x-forwarded-proto") === "https";
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  return new URL(path, `${viaTls ? "https" : new URL(c.req.url).protocol.slice(0, -1)}://${host}`)
    .href;
}
