/** Server-Sent Events wire format. */

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retryMs?: number;
}

export function encodeEvent(event: SseEvent): string {
  let text = "";
  if (event.retryMs !== undefined) text += `retry: ${event.retryMs}\n`;
  if (event.id !== undefined) text += `id: ${stripNewlines(event.id)}\n`;
  if (event.event !== undefined) text += `event: ${stripNewlines(event.event)}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return text + "\n";
}

function stripNewlines(value: string): string {
  return value.replace(/[\r\n]/g, "");
}

export const KEEP_ALIVE: Uint8Array = new TextEncoder().encode(": keep-alive\n\n");
