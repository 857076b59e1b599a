/** Small assertions (JSR's @std/assert is out of reach here). */

export class AssertionError extends Error {}

export function assert(condition: unknown, message = "Assertion failed"): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  if (!deepEqual(actual, expected)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  if (deepEqual(actual, expected)) {
    throw new AssertionError(`${message ? message + ": " : ""}did not expect ${show(actual)}`);
  }
}

export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}expected to find ${show(expected)} in ${show(clip(actual))}`,
    );
  }
}

export function assertNotIncludes(actual: string, unexpected: string, message?: string): void {
  if (actual.includes(unexpected)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}did not expect ${show(unexpected)} in ${show(clip(actual))}`,
    );
  }
}

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(actual)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}expected ${show(clip(actual))} to match ${pattern}`,
    );
  }
}

export async function assertRejects(
  work: () => Promise<unknown>,
  message?: string,
): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new AssertionError(message ?? "Expected the promise to reject");
}

function clip(text: string): string {
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : Deno.inspect(value, { depth: 6 });
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) =>
    deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
  );
}
