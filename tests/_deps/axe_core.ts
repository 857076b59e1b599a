// tests/browser/_axe.ts injects node_modules/axe-core/axe.min.js into pages; this
// import is what installs the package (see README.md here).
import type * as axe from "npm:axe-core@^4";
export type AxeResults = axe.AxeResults;
