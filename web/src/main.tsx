/** clubsync's app: boot, the browser tests' hooks, and the service worker. */
import "./style.css"
import { createRoot } from "react-dom/client"

import { App } from "./app"
import { finishErase } from "./erase"
import { runningSync } from "./session"

const root = document.getElementById("app")!
const bar = document.getElementById("sync-bar")!
// An erase the last run started (this phone was revoked) ends before any store opens.
void finishErase().then(() => createRoot(root).render(<App bar={bar} />))

// The browser tests reach the running sync engine here, to forge a change as a buggy app
// version would (tests/web/refused.mjs); only when localStorage asks for it.
if (localStorage.getItem("clubsync.test-hooks") === "1") {
  Object.assign(window, { clubsyncTest: { sync: runningSync } })
}

// The service worker precaches the app shell so the app opens with no signal. Tests and people
// can tell it is ready from <html data-sw="ready">.
if ("serviceWorker" in navigator && import.meta.env.PROD) {
  navigator.serviceWorker
    .register("/app/sw.js", { scope: "/app/" })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      document.documentElement.dataset.sw = "ready"
    })
    .catch(error => console.warn("service worker not registered", error))
}
