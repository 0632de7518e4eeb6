// jsdom lacks what Grafana UI touches on import: matchMedia, canvas, ResizeObserver, TextEncoder.
if (typeof window !== 'undefined') {
  require('@testing-library/jest-dom');
  const { TextEncoder, TextDecoder } = require('node:util');
  Object.assign(global, { TextEncoder, TextDecoder });
  window.matchMedia =
    window.matchMedia ||
    ((query) => ({ matches: false, media: query, onchange: null, addListener() {}, removeListener() {},
      addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false }));
  HTMLCanvasElement.prototype.getContext = () => null;
  global.ResizeObserver =
    global.ResizeObserver ||
    class { observe() {} unobserve() {} disconnect() {} };
}
