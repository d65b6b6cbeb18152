/**
 * The browser half of bench/web/app-open.sh: a phone joins, fetches the large collection and
 * petition once online, takes a tin; then, offline and with the CPU slowed 4x, the app is opened
 * again and timed (first screen, the collection with its figures, the petition), and taps are
 * timed from the tap until IndexedDB holds them. Prints one line of JSON (milliseconds).
 */
import { issueTinToMe, join, onScreen, openCollection, openPetition, options, phone, reopen, run, text, tid, until, untilSync, backHome } from "../../tests/web/lib.mjs"

const args = options({ base: {}, invite: {}, collection: {}, petition: {}, donations: {}, signatures: {} })
const RATE = 4
const TAPS = 10

/** In every new page: when each screen first appears, by `performance.now()`. */
const recordScreens = () => {
  window.__screens = {}
  new MutationObserver(() => {
    for (const el of document.querySelectorAll("[data-testid^=screen-]")) {
      const name = el.dataset.testid
      if (!(name in window.__screens)) window.__screens[name] = performance.now()
    }
  }).observe(document, { childList: true, subtree: true })
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

run(
  async browser => {
    const lee = await phone(browser, "lee")
    await lee.context.addInitScript(recordScreens)
    await lee.page.addInitScript(() => localStorage.setItem("clubsync.test-hooks", "1"))
    await join(lee, args.base, { code: args.invite, deviceName: "Lee's phone" })
    await openCollection(lee, args.collection)
    await until("the whole collection on the phone", async () => (await text(lee.page, "collection-donation-count")).replace(/,/g, "") === args.donations, 300_000)
    await issueTinToMe(lee, 1, "S-1")
    await backHome(lee, args.base)
    await openPetition(lee, args.petition)
    await until("the whole petition on the phone", async () => (await text(lee.page, "signature-count")).replace(/,/g, "") === args.signatures, 300_000)
    await backHome(lee, args.base)
    await untilSync(lee.page, "saved", 0, 300_000)

    // Offline, the CPU slowed: open the app as a collector does at the stall.
    await lee.context.setOffline(true)
    await reopen(lee, { offline: true })
    const page = lee.page
    const cdp = await lee.context.newCDPSession(page)
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: RATE })
    await page.reload({ waitUntil: "load" })
    await onScreen(page, "home")
    const firstScreen = await page.evaluate(() => window.__screens["screen-home"])

    const clicked = await page.evaluate(() => performance.now())
    await tid(page, "collection-item").first().click()
    await until("the collection's figures", async () => (await text(page, "collection-donation-count")).replace(/,/g, "") === args.donations, 120_000)
    const collectionShown = (await page.evaluate(() => performance.now())) - clicked

    const taps = []
    for (let i = 0; i < TAPS; i++) {
      taps.push(
        await page.evaluate(async () => {
          const button = document.querySelector('[data-testid="amount-preset"]')
          const start = performance.now()
          button.click()
          await window.clubsyncTest.sync().repo.flush()
          return performance.now() - start
        })
      )
    }

    await tid(page, "back-home").click()
    await onScreen(page, "home")
    const petitionClicked = await page.evaluate(() => performance.now())
    await tid(page, "petition-item").first().click()
    await until("the petition's count", async () => (await text(page, "signature-count")).replace(/,/g, "") === args.signatures, 120_000)
    const petitionShown = (await page.evaluate(() => performance.now())) - petitionClicked

    return {
      cpu_throttling: RATE,
      donations: Number(args.donations),
      signatures: Number(args.signatures),
      first_screen_ms: Math.round(firstScreen),
      collection_screen_ms: Math.round(collectionShown),
      petition_screen_ms: Math.round(petitionShown),
      tap_saved_ms: { median: Math.round(median(taps)), max: Math.round(Math.max(...taps)), taps: TAPS },
    }
  },
  { limitMs: 900_000 }
)
