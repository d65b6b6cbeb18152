import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { defineConfig, type Plugin } from "vite"
import wasm from "vite-plugin-wasm"

/** Files in public/ that the service worker precaches besides the bundle. */
const PUBLIC_SHELL = ["manifest.webmanifest", "icon.svg", "icon-192.png", "icon-512.png"]

/**
 * Emits `sw.js`: the service worker from src/sw.js with the list of every file of this build
 * (index.html, JS, CSS, wasm, manifest, icons) and a version made from their contents, so a new
 * build installs a new cache and an unchanged one does not.
 */
function serviceWorker(): Plugin {
  return {
    name: "clubsync-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter(name => !name.endsWith(".map")).sort()
      const hash = createHash("sha256")
      for (const name of files) {
        const item = bundle[name]
        hash.update(name)
        hash.update(item.type === "chunk" ? item.code : item.source)
      }
      for (const name of PUBLIC_SHELL) hash.update(readFileSync(new URL(`public/${name}`, import.meta.url)))
      const shell = ["./", ...files.filter(name => name !== "index.html"), ...PUBLIC_SHELL]
      const source = readFileSync(new URL("src/sw.js", import.meta.url), "utf8")
        .replace("self.__SHELL__", JSON.stringify(shell))
        .replace("self.__VERSION__", JSON.stringify(hash.digest("hex").slice(0, 16)))
      this.emitFile({ type: "asset", fileName: "sw.js", source })
    },
  }
}

export default defineConfig({
  base: "/app/",
  plugins: [wasm(), serviceWorker()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The automerge wasm is one large file; the app is meant to load it once and keep it.
    chunkSizeWarningLimit: 4096,
    assetsInlineLimit: 0,
  },
})
