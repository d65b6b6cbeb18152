/**
 * A collector with no signal: joins the club in the app, takes a tin, goes offline, records 20
 * donations and 5 petition signatures, reloads the app while still offline (the service worker
 * opens it, IndexedDB still holds everything), then comes back online until the sync indicator
 * says everything is saved on the server. Saves the screenshots of docs/screens/.
 *
 *   node offline.mjs --base http://127.0.0.1:PORT --invite CODE --collection ID --petition ID
 *                    [--tin 3] [--screens DIR] --fail-dir DIR
 *
 * Checkpoint "offline" (after the 25 records, still offline): the Rust test checks that the
 * server has none of them yet. Prints the amounts and signatures recorded, and when the app
 * dialled its websocket: never while offline after the reload, at once when the network came
 * back, and, while the server cannot be reached (its websocket refused through playwright's
 * routeWebSocket), again after about 1, 2, 4 s.
 */
import {
  backHome,
  checkpoint,
  currentScreen,
  decimal,
  donate,
  homeItem,
  issueTinToMe,
  join,
  minorShown,
  number,
  onScreen,
  openCollection,
  openPetition,
  options,
  phone,
  presets,
  goOnline,
  reopen,
  run,
  screenshot,
  sign,
  step,
  syncStatus,
  text,
  tid,
  timed,
  sleep,
  until,
  untilFigures,
  untilSync,
  WAIT_MS,
} from "./lib.mjs"

const args = options({
  base: {},
  invite: {},
  collection: {},
  petition: {},
  tin: { default: "3" },
  screens: { default: "" },
  "fail-dir": {},
})
const tin = Number(args.tin)
const screens = args.screens || null

/** Five signers; the second and fourth tick the consent box. */
const SIGNERS = [
  { name: "Ahn Mi-rae", postcode: "LS1 4AP", consent: false },
  { name: "Ben Okafor", postcode: "LS2 9JT", consent: true },
  { name: "Chloe Martin", postcode: "LS6 1AN", consent: false },
  { name: "Dae-ho Jung", postcode: "BD7 1DP", consent: true },
  { name: "Ewa Nowak", postcode: "HX1 1UN", consent: false },
]

/** The invite code join.png shows (the real one differs on every run). */
const SCREENSHOT_CODE = "7K3P-QX9M-4DWT-HN2RC"

/** How long the offline phone is watched, after its reload, for a websocket it should not open. */
const OFFLINE_WATCH_MS = 5000

/** Custom amounts (minor units), typed rather than tapped: odd pence, a penny, a big note. */
const CUSTOM = [123, 777, 1, 1234, 305, 2000]

run(
  async browser => {
    const lee = await phone(browser, "lee")
    let page = lee.page

    await timed("join", () =>
      join(lee, args.base, {
        code: args.invite,
        deviceName: "Lee's phone",
        // The same code on every run's picture; then the real one again.
        before: async page => {
          if (!screens) return
          const code = await tid(page, "join-code").inputValue()
          await tid(page, "join-code").fill(SCREENSHOT_CODE)
          await screenshot(page, screens, "join")
          await tid(page, "join-code").fill(code)
        },
      })
    )
    await timed("club documents reach the phone", async () => {
      step("lee: the collection and the petition are listed on home")
      await homeItem(page, "collection", args.collection)
      await homeItem(page, "petition", args.petition)
      await untilSync(page, "saved", 0)
    })
    await screenshot(page, screens, "home")

    await timed("service worker ready", async () => {
      step("lee: the service worker is installed and active (the app shell is cached)")
      const active = await Promise.race([
        page.evaluate(async () => {
          if (!("serviceWorker" in navigator)) return "no navigator.serviceWorker"
          const reg = await navigator.serviceWorker.ready
          return reg.active ? reg.active.state : "no active worker"
        }),
        new Promise(resolve => setTimeout(() => resolve(`no service worker became ready within ${WAIT_MS} ms`), WAIT_MS)),
      ])
      if (active !== "activated") throw new Error(`service worker: ${active}`)
    })

    // Choosing a tin is done with signal, at the stall, before going out.
    await openCollection(lee, args.collection)
    await timed("issue the tin", () => issueTinToMe(lee, tin, `S-${String(tin).padStart(4, "0")}`))
    await untilSync(page, "saved", 0)

    step("lee: go offline (the browser context loses its network)")
    await lee.context.setOffline(true)
    await untilSync(page, "offline")

    const offered = await presets(page)
    const amounts = []
    const how = { preset: 0, custom: 0 }
    await timed("20 donations offline", async () => {
      for (let i = 0; i < 20; i++) {
        const custom = i % 3 === 2
        const minor = custom ? CUSTOM[(i - 2) / 3] : offered[i % offered.length]
        how[await donate(lee, minor, { custom })]++
        amounts.push(minor)
      }
    })
    const total = amounts.reduce((a, b) => a + b, 0)

    await backHome(lee, args.base)
    await openPetition(lee, args.petition)
    const petitionText = await text(page, "petition-text")
    let wording = ""
    await timed("5 signatures offline", async () => {
      for (const signer of SIGNERS) wording = await sign(lee, signer)
    })
    const offline = await syncStatus(page)

    await checkpoint("offline", { syncState: offline.state, pending: offline.pending })

    step("lee: close the app and open it again while offline")
    const reloadedAt = Date.now()
    const dialsBeforeReload = lee.dials.length
    const consoleBeforeReload = lee.console.length
    const reload = await timed("reload offline", async () => {
      const response = await reopen(lee, { offline: true })
      page = lee.page
      await until("a screen after the offline reload", async seen => {
        const shown = await currentScreen(page)
        seen(shown)
        return shown.startsWith("screen-")
      })
      return { fromServiceWorker: response?.fromServiceWorker() ?? null, status: response?.status() ?? null }
    })
    const afterReload = { screen: await currentScreen(page), ...(await syncStatus(page)) }
    step("lee: after the offline reload, all 25 records are shown")
    // The app may reopen on the screen it was on; go home the way a person would.
    if (!(await page.getByTestId("screen-home", { exact: true }).isVisible())) await backHome(lee, args.base)
    await openPetition(lee, args.petition)
    await until("signature-count 5 after the offline reload", async seen => {
      seen(await text(page, "signature-count"))
      return (await number(page, "signature-count")) === SIGNERS.length
    })
    await backHome(lee, args.base)
    await openCollection(lee, args.collection)
    await until(`donation-count 20 and tin-total ${decimal(total)} after the offline reload`, async seen => {
      seen({ donationCount: await text(page, "donation-count"), tinTotal: await text(page, "tin-total") })
      return (await number(page, "donation-count")) === 20 && (await minorShown(page, "tin-total")) === total
    })
    step("lee: after the offline reload, the whole collection's figures count the 20 donations")
    await untilFigures(page, 20, total)
    await until(`pending-count ${offline.pending} after the offline reload (as before it)`, async seen => {
      const s = await syncStatus(page)
      seen(s)
      return s.state === "offline" && s.pending === offline.pending
    })
    const reloaded = {
      ...afterReload,
      donationCount: await number(page, "donation-count"),
      tinTotal: await text(page, "tin-total"),
      ...(await syncStatus(page)),
    }

    // A join link (for another club, say) while records wait: the app says how many and that
    // they stay on the phone (joining would add a club, not replace this one); Lee keeps the
    // current club.
    step("lee: a join link while records wait on the phone")
    await page.evaluate(() => {
      location.hash = "#join=ABCD-EFGH-JKMN-PQRST"
    })
    await onScreen(page, "join")
    await until(`join-unsynced naming the ${offline.pending} records waiting`, async seen => {
      const shown = await text(page, "join-unsynced-text")
      seen(shown)
      return shown.includes(`${offline.pending} records`)
    })
    if (!(await text(page, "join-unsynced-text")).includes("stay on this phone")) throw new Error("the join screen does not say the records stay")
    await tid(page, "join-keep").click()
    await onScreen(page, "home")
    await openCollection(lee, args.collection)

    // With no network the app does not dial: no websocket and no console errors of one.
    step(`lee: no websocket dialled while offline (watched ${OFFLINE_WATCH_MS} ms after the reload)`)
    await sleep(Math.max(0, reloadedAt + OFFLINE_WATCH_MS - Date.now()))
    const offlineDials = lee.dials.slice(dialsBeforeReload).length
    const offlineSocketErrors = lee.console.slice(consoleBeforeReload).filter(line => /websocket/i.test(line))

    step("lee: back online")
    const dialsBeforeOnline = lee.dials.length
    const online = Date.now()
    await goOnline(lee)
    await until("a websocket dialled after going online", () => lee.dials.length > dialsBeforeOnline, 10_000)
    const dialAfterOnlineMs = lee.dials[dialsBeforeOnline].at - online
    await untilSync(page, "saved", 0)
    const savedAfterMs = Date.now() - online
    await screenshot(page, screens, "collection")

    await backHome(lee, args.base)
    await openPetition(lee, args.petition)
    step("lee: the petition screen, ready for the next signer")
    await until("an empty signature form", async () => (await tid(page, "sign-name").inputValue()) === "")
    await screenshot(page, screens, "petition")

    // Online but the server unreachable: the app redials with backoff. Playwright refuses the
    // app's websocket (routeWebSocket closes each at once); going offline and back dials at once.
    step("lee: the server cannot be reached: redials after about 1, 2, 4 s")
    const refused = []
    await page.routeWebSocket(/\/sync/, ws => {
      refused.push(Date.now())
      ws.close()
    })
    await lee.context.setOffline(true)
    await untilSync(page, "offline")
    const onlineAgain = Date.now()
    await lee.context.setOffline(false)
    await until("4 websocket dials while the server refuses them", () => refused.length >= 4, 20_000)
    const serverDown = {
      firstDialMs: refused[0] - onlineAgain,
      gapsMs: refused.slice(1, 4).map((at, i) => at - refused[i]),
    }

    return {
      amounts,
      total,
      how,
      presets: offered,
      signers: SIGNERS,
      wording,
      petitionText,
      offline,
      reload,
      reloaded,
      savedAfterMs,
      offlineDials,
      offlineSocketErrors,
      dialAfterOnlineMs,
      serverDown,
    }
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
