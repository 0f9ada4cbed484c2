import { defineConfig } from "vitest/config";

// One UI for the desktop app (Tauri loads dist/) and the server mode (datalab-server serves it).
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", target: "es2022", chunkSizeWarningLimit: 2000 },
  test: { environment: "node", include: ["test/**/*.test.ts"] },
});
