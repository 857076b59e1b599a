// Reads compose.yaml and the nginx deploy files (see README.md here).
export * from "npm:yaml@^2";
export { default } from "npm:yaml@^2";
