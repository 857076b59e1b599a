// ajv's draft 2020-12 validator, as OpenAPI 3.1 uses (see README.md here).
export * from "npm:ajv@^8.20.0/dist/2020.js";
export { default } from "npm:ajv@^8.20.0/dist/2020.js";
