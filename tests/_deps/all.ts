// Every test-only package, so one `deno install --entrypoint tests/_deps/all.ts` puts them all
// into node_modules before the tests run (the test task does it; see README.md here).
import "./ajv.ts";
import "./ajv_2020.ts";
import "./axe_core.ts";
import "./fast_check.ts";
import "./jsqr.ts";
import "./openapi_schema_validator.ts";
import "./playwright_core.ts";
import "./resvg_wasm.ts";
import "./yaml.ts";
