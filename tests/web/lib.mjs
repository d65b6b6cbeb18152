/**
 * What every browser script shares: Debian's headless Chromium driven by playwright-core, one
 * phone (a fresh browser context, 360 x 740) per person, the app's test contract (its
 * `data-testid` attributes), bounded waits, checkpoints where the Rust test looks at the server,
 * and one JSON result line on stdout.
 *
 * A script prints, on stdout, only JSON lines:
 *   {"checkpoint": NAME, ...}  then waits for the line "continue" on stdin (the Rust side looked);
 *   {"ok": true, ...}          its result, last;
 *   {"ok": false, "step", "error", "phones": [...]} when it failed: per phone the screen shown,
 *     the sync indicator's state and pending count, a screenshot and the page's console errors,
 *     so the Rust test can say what the user would have seen.
 */
import { chromium } from "playwright-core"
import { existsSync, mkdirSync } from "node:fs"
import { join as joinPath } from "node:path"
import { createInterface } from "node:readline"
import { parseArgs } from "node:util"

/** Every wait on the page is bounded by this. */
export const WAIT_MS = 30_000

/** Reads `--name value` options; every option without a default is required. */
export function options(spec) {
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.entries(spec).map(([name, o]) => [name, { type: "string", multiple: o.multiple ?? false }])
    ),
    strict: true,
  })
  for (const [name, o] of Object.entries(spec)) {
    if (values[name] === undefined) {
      if (o.default === undefined) throw new Error(`missing --${name}`)
      values[name] = o.default
    }
  }
  return values
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Running a script

const state = {
  step: "starting",
  browser: null,
  phones: [],
  failDir: null,
  stdin: null,
  started: Date.now(),
  timings: {},
  notes: [],
}

/** Notes something about the app that is not a failure (shown in the result as `notes`). */
export function note(text) {
  if (!state.notes.includes(text)) state.notes.push(text)
}

/** Names what the script is doing now; a failure reports it. */
export function step(name) {
  state.step = name
}

/** Runs `fn` as step `name` and records how long it took (ms) in the result's `timings`. */
export async function timed(name, fn) {
  step(name)
  const t = Date.now()
  const value = await fn()
  state.timings[name] = Date.now() - t
  return value
}

/**
 * Runs `main(browser)`: launches Chromium, prints `{ok: true, ...result, timings}` and exits 0;
 * on an error or after `limitMs`, prints `{ok: false, ...}` with what each phone showed, and
 * exits 1. `failDir` receives the failure screenshots.
 */
export function run(main, { limitMs, failDir }) {
  state.failDir = failDir
  const timer = setTimeout(() => fail(new Error(`the script ran past its limit of ${limitMs} ms`)), limitMs)
  ;(async () => {
    step("launching chromium")
    state.browser = await launch()
    const result = await main(state.browser)
    clearTimeout(timer)
    await closeBrowser()
    const total = Date.now() - state.started
    await emit({ ok: true, ...result, notes: state.notes, timings: { ...state.timings, total } })
    process.exit(0)
  })().catch(fail)
}

let failing = false
async function fail(error) {
  if (failing) return
  failing = true
  const phones = []
  for (const phone of state.phones) {
    phones.push(await Promise.race([describe(phone), sleep(5000).then(() => ({ name: phone.name, note: "no answer from the page within 5 s" }))]))
  }
  await Promise.race([closeBrowser(), sleep(3000)])
  await emit({
    ok: false,
    step: state.step,
    error: plain(String(error?.message ?? error)).split("\n").slice(0, 12).join("\n"),
    phones,
    notes: state.notes,
    timings: state.timings,
  })
  process.exit(1)
}

/** What a phone shows now: screen, sync indicator, URL, a screenshot, console errors. */
async function describe(phone) {
  const out = { name: phone.name, console: phone.console.slice(-30) }
  const page = phone.page
  if (!page || page.isClosed()) return { ...out, note: "the page is closed" }
  out.url = page.url()
  try {
    out.screen = await currentScreen(page)
    out.syncState = await page.getByTestId("sync-status").first().getAttribute("data-state", { timeout: 1000 }).catch(() => "(no sync-status)")
    out.pending = await page.getByTestId("pending-count").first().textContent({ timeout: 1000 }).catch(() => "(no pending-count)")
  } catch (e) {
    out.note = String(e?.message ?? e).split("\n")[0]
  }
  if (state.failDir) {
    try {
      mkdirSync(state.failDir, { recursive: true })
      const path = joinPath(state.failDir, `${phone.name}.png`)
      await page.screenshot({ path, timeout: 5000 })
      out.screenshot = path
    } catch (e) {
      out.screenshot = `(none: ${String(e?.message ?? e).split("\n")[0]})`
    }
  }
  return out
}

/** The `data-testid` of the screen shown (`screen-home`...), or a note when there is none. */
export async function currentScreen(page) {
  const screens = await page
    .locator('[data-testid^="screen-"]')
    .evaluateAll(els => els.filter(e => e.offsetParent !== null || e.getClientRects().length > 0).map(e => e.dataset.testid))
  return screens.length ? screens.join(",") : "(no screen-* element shown)"
}

/** Text without the terminal colours playwright puts in its call logs. */
const plain = text => text.replace(/\u001b\[[0-9;]*m/g, "")

function emit(value) {
  return new Promise(resolve => process.stdout.write(JSON.stringify(value) + "\n", resolve))
}

async function closeBrowser() {
  const browser = state.browser
  state.browser = null
  if (browser) await browser.close().catch(() => {})
}

/** Chromium: Debian's (`CLUBSYNC_CHROMIUM` to use another), headless, a fresh profile. */
async function launch() {
  const executablePath = process.env.CLUBSYNC_CHROMIUM || "/usr/bin/chromium"
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: apt-get install chromium (or set CLUBSYNC_CHROMIUM)`)
  }
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: WAIT_MS,
    // Root in a container needs --no-sandbox; the rest keeps Chromium from dialling Google's
    // services, which this machine's closed network refuses.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  })
}

/**
 * Prints `{checkpoint: name, ...data}` and waits (at most `limitMs`) for the Rust test to answer
 * on stdin, after it has looked at the server or acted with the CLI: the line `continue`, or a
 * JSON object `{"continue": true, ...}` whose other fields are returned.
 */
export async function checkpoint(name, data = {}, limitMs = 120_000) {
  step(`checkpoint ${name}: waiting for the test`)
  if (!state.stdin) {
    const lines = []
    const waiters = []
    createInterface({ input: process.stdin }).on("line", line => {
      const waiter = waiters.shift()
      if (waiter) waiter(line)
      else lines.push(line)
    })
    state.stdin = { next: () => (lines.length ? Promise.resolve(lines.shift()) : new Promise(r => waiters.push(r))) }
  }
  // What each phone shows now, for the test's messages.
  const screenshots = {}
  for (const p of state.phones) {
    if (!state.failDir || p.page.isClosed()) continue
    mkdirSync(state.failDir, { recursive: true })
    const path = joinPath(state.failDir, `${p.name}-at-${name}.png`)
    if (await p.page.screenshot({ path, timeout: 5000 }).then(() => true, () => false)) screenshots[p.name] = path
  }
  await emit({ checkpoint: name, ...data, screenshots })
  const line = await Promise.race([state.stdin.next(), sleep(limitMs).then(() => null)])
  if (line === null) throw new Error(`the test did not answer checkpoint ${name} within ${limitMs} ms`)
  if (line.trim() === "continue") return {}
  try {
    const answer = JSON.parse(line)
    if (answer && typeof answer === "object" && answer.continue === true) return answer
  } catch {}
  throw new Error(`the test answered checkpoint ${name} with ${JSON.stringify(line)}`)
}

// ---------------------------------------------------------------------------------------------
// A phone: one browser context (fresh storage, its own service worker and IndexedDB)

/**
 * Opens a phone of `name` (a fresh context at 360 x 740; a laptop's 1280 x 800 with `laptop`),
 * set to English in London unless `locale` and `timezoneId` say otherwise.
 */
export async function phone(browser, name, { locale = "en-GB", timezoneId = "Europe/London", laptop = false } = {}) {
  const context = await browser.newContext({
    viewport: laptop ? { width: 1280, height: 800 } : { width: 360, height: 740 },
    deviceScaleFactor: 1,
    isMobile: !laptop,
    hasTouch: !laptop,
    serviceWorkers: "allow",
    locale,
    timezoneId,
  })
  context.setDefaultTimeout(WAIT_MS)
  context.setDefaultNavigationTimeout(WAIT_MS)
  // `dials`: every websocket the page opened (time and URL), to check when the app dials.
  const p = { name, context, page: await context.newPage(), console: [], dials: [] }
  watch(p)
  context.on("weberror", e => record(p, `weberror: ${String(e.error()?.message ?? e.error())}`))
  state.phones.push(p)
  return p
}

function record(p, text) {
  if (p.console.length < 200) p.console.push(text)
}

/** Records the websockets, console errors and crashes of the phone's current page. */
function watch(p) {
  const page = p.page
  page.on("websocket", ws => p.dials.push({ at: Date.now(), url: ws.url() }))
  page.on("console", m => {
    if (m.type() === "error" || m.type() === "warning") record(p, `${m.type()}: ${m.text()}`)
  })
  page.on("pageerror", e => record(p, `uncaught: ${String(e?.stack ?? e).split("\n").slice(0, 3).join(" | ")}`))
  page.on("crash", () => record(p, "the page crashed"))
}

/**
 * Closes the app and opens it again at the same address in a new page of the phone's context,
 * as a person does who swipes the app away and taps its icon; `offline` says whether the phone
 * has no network then. Returns the response.
 *
 * A document that starts while the context is offline (`context.setOffline(true)`) reads
 * `navigator.onLine` as true in Debian's Chromium 147 and 148, although every request fails
 * (checked: a reload and a new page alike); a phone with no signal reads false. So when
 * `offline`, the new documents of this context start with `navigator.onLine` false, as on a
 * phone, until the browser's next real `online` or `offline` event, after which the browser's
 * own value holds again (Chromium does update a running document when the network changes).
 */
export async function reopen(p, { offline }) {
  p.reopenedOffline = offline
  if (offline) {
    await p.context.addInitScript(() => {
      const real = Object.getOwnPropertyDescriptor(Navigator.prototype, "onLine")
      let override = false
      Object.defineProperty(Navigator.prototype, "onLine", {
        configurable: true,
        get() {
          return override ?? real.get.call(this)
        },
      })
      const release = () => (override = undefined)
      window.addEventListener("online", release, { once: true })
      window.addEventListener("offline", release, { once: true })
    })
  }
  const url = p.page.url()
  await p.page.close()
  p.page = await p.context.newPage()
  watch(p)
  return p.page.goto(url, { waitUntil: "load" })
}

/**
 * Gives the phone its network back. A document opened by [`reopen`] while offline never knew
 * the browser as offline, so the browser has no `online` event for it: it gets one here, as a
 * phone's page does when the signal returns.
 */
export async function goOnline(p) {
  await p.context.setOffline(false)
  if (p.reopenedOffline) {
    p.reopenedOffline = false
    await p.page.evaluate(() => {
      if (!navigator.onLine) window.dispatchEvent(new Event("online"))
    })
  }
}

/** The element with `data-testid=id` (the first when there are several). */
export const tid = (page, id) => page.getByTestId(id, { exact: true }).first()

/** Waits for screen `name` (`data-testid="screen-<name>"`) to be shown. */
export async function onScreen(page, name) {
  await page.getByTestId(`screen-${name}`, { exact: true }).first().waitFor({ state: "visible", timeout: WAIT_MS })
}

/**
 * Polls `check(seen)` (async) until it returns a truthy value; fails saying `what` and what was
 * last seen (`check` reports it by calling `seen(value)`).
 */
export async function until(what, check, limitMs = WAIT_MS) {
  const deadline = Date.now() + limitMs
  let last
  const seen = value => {
    last = value
  }
  for (;;) {
    try {
      const value = await check(seen)
      if (value) return value
    } catch (e) {
      last = `error: ${String(e?.message ?? e).split("\n")[0]}`
    }
    if (Date.now() > deadline) throw new Error(`waited ${limitMs} ms for ${what}; last seen: ${JSON.stringify(last)}`)
    await sleep(100)
  }
}

/** The text of `data-testid=id`, trimmed ("" when absent). */
export async function text(page, id) {
  const el = page.getByTestId(id, { exact: true }).first()
  if ((await el.count()) === 0) return ""
  return ((await el.textContent({ timeout: 2000 })) ?? "").trim()
}

/** The whole number shown by `data-testid=id` (NaN when there is none). */
export async function number(page, id) {
  // Counts are grouped for the language ("1,234").
  const m = (await text(page, id)).replace(/,/g, "").match(/-?\d+/)
  return m ? Number(m[0]) : NaN
}

/** The amount shown by `data-testid=id`, in minor units (`12.50` -> 1250; NaN when none). */
export async function minorShown(page, id) {
  const m = (await text(page, id)).replace(/,/g, "").match(/(-?\d+)(?:\.(\d{1,2}))?/)
  if (!m) return NaN
  const sign = m[1].startsWith("-") ? -1 : 1
  return sign * (Math.abs(Number(m[1])) * 100 + Number((m[2] ?? "0").padEnd(2, "0")))
}

/** `1250` -> `"12.50"`. */
export const decimal = minor => `${Math.trunc(minor / 100)}.${String(Math.abs(minor) % 100).padStart(2, "0")}`

/** The sync indicator: `{state, pending}`. */
export async function syncStatus(page) {
  const state = await tid(page, "sync-status").getAttribute("data-state", { timeout: 2000 })
  const pending = await number(page, "pending-count")
  return { state, pending }
}

/** Waits until the indicator shows `state` (and, when given, `pending` records waiting). */
export async function untilSync(page, want, pending, limitMs = WAIT_MS) {
  return until(
    `sync-status data-state="${want}"${pending === undefined ? "" : ` and pending-count ${pending}`}`,
    async seen => {
      const s = await syncStatus(page)
      seen(s)
      return s.state === want && (pending === undefined || s.pending === pending) ? s : false
    },
    limitMs
  )
}

/**
 * Saves a screenshot of the whole screen (360 px wide, as tall as the screen is) to
 * `dir/name.png`, from the top, with no input focused.
 */
export async function screenshot(page, dir, name) {
  if (!dir) return null
  mkdirSync(dir, { recursive: true })
  const path = joinPath(dir, `${name}.png`)
  await page.evaluate(() => {
    document.activeElement?.blur?.()
    window.scrollTo(0, 0)
  })
  // Let a transition settle so the picture is what a person sees.
  await sleep(300)
  await page.screenshot({ path, fullPage: true, animations: "disabled", caret: "hide" })
  return path
}

// The app's screens, through its test contract (join, home, collection, petition): screens.mjs.
export * from "./screens.mjs"
