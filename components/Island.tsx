/**
 * Renders an island (a component under islands/) on the server and marks it
 * for hydration: `<oponn-island data-island="LiveStatus" data-props="{…}">`
 * around the component's own HTML. The props travel as JSON in a data
 * attribute, never as inline script, so the strict CSP (`script-src 'self'`)
 * holds; the server's HTML is also the no-JavaScript version.
 */
import { type ComponentType, h } from "preact";

export interface IslandProps<P> {
  /** The island's default export; its function name is its file name (`islands/LiveStatus.tsx`). */
  component: ComponentType<P>;
  /** JSON-safe: strings, numbers, booleans, null, arrays and plain objects. */
  props: P;
}

export function Island<P extends object>({ component, props }: IslandProps<P>) {
  const name = component.name;
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new Error(
      `An island's default export must be a named function, like its file: got "${name}"`,
    );
  }
  return h(
    "oponn-island",
    { "data-island": name, "data-props": JSON.stringify(props) },
    h(component as ComponentType<object>, props),
  );
}
