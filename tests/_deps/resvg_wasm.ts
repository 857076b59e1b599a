// Rasterises the QR code SVGs for decoding (see README.md here).
export * from "npm:@resvg/resvg-wasm@^2.6.2";
