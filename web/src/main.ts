/**
 * clubsync's phone app: boot, the always-visible sync indicator, and the screens by route.
 *
 * Routes (in the hash, so a reload offline reopens the same screen): `#/home`,
 * `#/collection/<id>`, `#/counting/<id>`, `#/petition/<id>`; `#join=CODE` prefills the join
 * screen.
 */
import "./style.css"
import { makeContext, type Context, type Screen } from "./app"
import { clubIndex, clubName } from "./schema"
import { collectionScreen } from "./screens/collection"
import { countingScreen } from "./screens/counting"
import { homeScreen } from "./screens/home"
import { joinScreen } from "./screens/join"
import { petitionScreen } from "./screens/petition"
import { localDocuments, membership, scopeTo, type Membership } from "./store"
import { swapTokenIfDue } from "./token"
import { Sync } from "./sync"
import { h, setText } from "./ui"

const root = document.getElementById("app")!
const bar = document.getElementById("sync-bar")!

// The sync indicator: data-state offline | syncing | saved, and the number of records waiting.
const pendingCount = h("span", { testid: "pending-count" }, "0")
const syncText = h("span", { class: "sync-text" }, "Not joined yet")
const syncStatus = h(
  "div",
  { testid: "sync-status", "data-state": "offline", role: "status", "aria-live": "polite" },
  h("span", { class: "dot", "aria-hidden": "true" }),
  syncText,
  h("span", { class: "waiting" }, pendingCount, " waiting")
)
// What the server refused from this phone, and what was kept (src/refusal.ts).
const refusalText = h("p", { testid: "refusal-text" })
const refusalList = h("ul", { testid: "refusal-dropped" })
const refusalOk = h("button", { testid: "refusal-ok", class: "secondary", type: "button" }, "OK")
const refusalNotice = h(
  "div",
  { testid: "refusal-notice", class: "error refusal", role: "alert", hidden: true },
  refusalText,
  refusalList,
  refusalOk
)
refusalOk.addEventListener("click", () => sync?.dismissRefusals())
bar.replaceChildren(syncStatus, refusalNotice)

function renderRefusals(): void {
  const latest = sync?.refusals().at(-1)
  refusalNotice.hidden = !latest
  if (!latest) return
  const kept = latest.kept.length
  const outcome = latest.failed
    ? ` It could not be fixed yet (${latest.failed}); the app tries again on the next connection.`
    : ` Your other records on it are safe: ${kept === 1 ? "1 record was" : `${kept} records were`} written again and ${kept === 1 ? "is" : "are"} being sent.` +
      (latest.dropped.length ? " Left out, because the server's rules refuse them:" : "")
  setText(refusalText, `The server refused a change from this phone: ${latest.why}.${outcome}`)
  refusalList.replaceChildren(...latest.dropped.map(d => h("li", { "data-path": d.path }, d.message)))
}

let sync: Sync | undefined
let ctx: Context | undefined
let screen: Screen | undefined

function renderStatus(): void {
  if (!sync) return
  const { state, pending, loading } = sync.status()
  syncStatus.dataset.state = state
  setText(pendingCount, pending)
  const text =
    state === "offline"
      ? "Offline: kept on this phone"
      : state === "syncing"
        ? "Sending to the server…"
        : loading > 0
          ? "All saved on the server (fetching records)"
          : "All saved on the server"
  setText(syncText, text)
  syncStatus.classList.toggle("has-pending", pending > 0)
}

function joinCodeFromHash(): string | undefined {
  const m = /(?:^#|[#&])join=([^&]+)/.exec(location.hash)
  return m ? decodeURIComponent(m[1]) : undefined
}

function show(next: Screen | HTMLElement): void {
  screen?.destroy?.()
  if (next instanceof HTMLElement) {
    screen = undefined
    root.replaceChildren(next)
  } else {
    screen = next
    root.replaceChildren(next.el)
  }
  window.scrollTo(0, 0)
}

function route(): void {
  const code = joinCodeFromHash()
  const me = membership.get()
  if (!me || code !== undefined) {
    if (me && code !== undefined) {
      // Already a member: a join link for another club replaces this phone's membership, so
      // the join screen first counts what this phone has not sent yet.
      document.title = "clubsync · join"
      if (!sync || !ctx) start(me)
      const s = sync!
      const c = ctx!
      show(
        joinScreen(code, joined, {
          club: () => clubName(c.club()),
          counted: () => c.club() !== undefined,
          status: () => s.status(),
          keep: () => {
            history.replaceState(null, "", "#/home")
            route()
          },
        })
      )
      return
    }
    show(joinScreen(code ?? "", joined))
    return
  }
  if (!sync || !ctx) start(me)
  const [, name, id] = /^#\/(\w+)(?:\/([\w-]+))?/.exec(location.hash) ?? []
  const c = ctx!
  switch (name) {
    case "collection":
      if (id) return show(collectionScreen(c, id))
      break
    case "counting":
      if (id) return show(countingScreen(c, id))
      break
    case "petition":
      if (id) return show(petitionScreen(c, id))
      break
  }
  if (location.hash !== "#/home") history.replaceState(null, "", "#/home")
  show(homeScreen(c))
}

function navigate(to: string): void {
  if (location.hash === to) route()
  else location.hash = to
}

function joined(m: Membership): void {
  const hadSync = sync !== undefined
  membership.set(m)
  history.replaceState(null, "", "#/home")
  // A second membership on this phone needs a fresh repo (another IndexedDB database).
  if (hadSync) location.reload()
  else route()
}

/** Starts syncing: the club document first, then every collection and petition it lists. */
function start(me: Membership): void {
  scopeTo(me)
  sync = new Sync(me)
  // Now, and whenever the signal comes back: the swap waits for a connection.
  void swapTokenIfDue()
  window.addEventListener("online", () => void swapTokenIfDue())
  ctx = makeContext(sync, me, navigate)
  const s = sync
  const opened = new Set<string>()
  const openListed = () => {
    const club = s.doc(me.club_document)
    const ids = [
      ...clubIndex(club)
        .filter(d => d.kind === "street_collection" || d.kind === "petition")
        .map(d => d.id),
      ...localDocuments.all().map(d => d.id),
    ]
    for (const id of ids) {
      if (!opened.has(id)) {
        opened.add(id)
        void s.open(id)
      }
    }
  }
  s.subscribe(() => {
    openListed()
    renderStatus()
    renderRefusals()
    screen?.update()
  })
  void s.open(me.club_document)
  openListed()
  renderStatus()
}

window.addEventListener("hashchange", route)
route()

// The browser tests reach the running sync engine here, to forge a change as a buggy app
// version would (tests/web/refused.mjs); only when localStorage asks for it.
if (localStorage.getItem("clubsync.test-hooks") === "1") {
  Object.assign(window, { clubsyncTest: { sync: () => sync } })
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
