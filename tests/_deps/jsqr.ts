// Decodes the QR codes the server draws (see README.md here).
export { default } from "npm:jsqr@^1.4.0";
