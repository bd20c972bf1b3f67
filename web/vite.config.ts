// The web app's build (web/dist, served by the local cloud beside the API) and its watch
// mode (`npm --prefix web run dev`), which proxies the API to `make dev` on :3000.
import { defineConfig } from "vite";

const api = process.env.STUDYLOOP_API ?? "http://127.0.0.1:3000";

export default defineConfig({
  // Preact's automatic JSX runtime, without a plugin (keeps the dependency tree small).
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    port: 5173,
    proxy: {
      "/v1": api,
      "/.well-known": api,
      "/openapi.json": api,
      "/docs": api,
    },
  },
});
