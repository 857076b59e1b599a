// Drives Debian's Chromium in tests/browser (see README.md here).
export * from "npm:playwright-core@^1.65";
