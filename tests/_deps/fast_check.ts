// Property tests (see README.md here).
export * from "npm:fast-check@^4";
export { default } from "npm:fast-check@^4";
