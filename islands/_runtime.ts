/// <reference lib="dom" />
/**
 * Hydrates islands in the browser. The server renders each island inside an
 * `<oponn-island data-island="Name" data-props="{…json…}">` element (see
 * components/Island.tsx); defining that element here hydrates every one the
 * page already holds, and any that htmx swaps in later, with its own props.
 * An island taken out of the page is unmounted, so its timers stop with it.
 */
import { type ComponentType, h, hydrate, render } from "preact";
import { Arrival } from "./_arrival.ts";

// deno-lint-ignore no-explicit-any
export type IslandRegistry = Record<string, ComponentType<any>>;

export function defineIslands(registry: IslandRegistry): void {
  let upgradingPage = false;
  class OponnIsland extends HTMLElement {
    #hydrated = false;

    connectedCallback(): void {
      if (this.#hydrated) return;
      const name = this.dataset.island ?? "";
      const component = registry[name];
      if (!component) {
        console.error(`Island "${name}" is not in the bundle, so it stays as the server drew it.`);
        return;
      }
      let props: Record<string, unknown>;
      try {
        props = JSON.parse(this.dataset.props ?? "{}");
      } catch (error) {
        console.error(`Island "${name}" has props that are not JSON:`, error);
        return;
      }
      const arrived = upgradingPage ? pageArrival() : Date.now();
      hydrate(h(Arrival.Provider, { value: arrived }, h(component, props)), this);
      this.#hydrated = true;
    }

    disconnectedCallback(): void {
      // A move (disconnect then connect in one task) keeps the island alive.
      queueMicrotask(() => {
        if (this.isConnected || !this.#hydrated) return;
        render(null, this);
        this.#hydrated = false;
      });
    }
  }
  if (customElements.get("oponn-island")) return;
  // define() upgrades the islands already in the page before it returns.
  upgradingPage = true;
  try {
    customElements.define("oponn-island", OponnIsland);
  } finally {
    upgradingPage = false;
  }
}

/** When the page's response began to arrive, as an epoch time. */
function pageArrival(): number {
  const [navigation] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
  return navigation ? performance.timeOrigin + navigation.responseStart : Date.now();
}
