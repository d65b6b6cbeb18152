/**
 * The phone swaps its device token when the server says, and keeps each club's documents apart:
 *
 * - Lee's phone joins, makes a street collection of its own, and is saved;
 * - its token falls due (the server's `rotate_after` is passed): reopened, the app swaps it, the
 *   next connection uses the new token, and the old one (a copy taken off the phone) is refused;
 * - the phone then joins another club by a `#join=` link: home lists that club's documents only,
 *   never the collection it made in the first club; both clubs stay on the phone, and switching
 *   back from home shows the first club's documents again.
 *
 *   node token.mjs --base URL --invite CODE --other-invite CODE --collection ID --fail-dir DIR
 *
 * Prints the id of the collection made on the phone.
 */
import { backHome, goOnline, homeItem, join, onScreen, options, phone, reopen, run, step, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, invite: {}, "other-invite": {}, collection: {}, "fail-dir": {} })

const storedToken = page => page.evaluate(() => JSON.parse(localStorage.getItem("clubsync.membership")).token)

run(
  async browser => {
    const lee = await phone(browser, "lee")
    await join(lee, args.base, { code: args.invite, deviceName: "Lee's phone" })
    await homeItem(lee.page, "collection", args.collection)

    step("lee: makes a collection on the phone")
    await tid(lee.page, "new-collection").click()
    await tid(lee.page, "new-collection-title").fill("Lee's own stall")
    await tid(lee.page, "new-collection-tins").fill("2")
    await tid(lee.page, "new-collection-submit").click()
    await onScreen(lee.page, "collection")
    const made = /#\/collection\/([\w-]+)/.exec(lee.page.url())?.[1]
    if (!made) throw new Error(`no collection id in ${lee.page.url()}`)
    await backHome(lee, args.base)
    await homeItem(lee.page, "collection", made)
    await untilSync(lee.page, "saved", 0)

    step("lee: the token falls due; the reopened app swaps it")
    const old = await storedToken(lee.page)
    await lee.page.evaluate(() => {
      const m = JSON.parse(localStorage.getItem("clubsync.membership"))
      localStorage.setItem("clubsync.membership", JSON.stringify({ ...m, token_rotate_after: 0 }))
    })
    await reopen(lee, { offline: false })
    await until("the stored token to change", async seen => {
      const now = await storedToken(lee.page)
      seen(now === old ? "still the old token" : "a new token")
      return now !== old
    })
    step("lee: the next connection uses the new token; the old one is refused")
    await lee.context.setOffline(true)
    await untilSync(lee.page, "offline", 0)
    await goOnline(lee)
    await untilSync(lee.page, "saved", 0)
    const oldStatus = await lee.page.evaluate(
      token => fetch("/api/device/token", { method: "POST", headers: { authorization: `Bearer ${token}` } }).then(r => r.status),
      old
    )
    if (oldStatus !== 401) throw new Error(`the old token answered ${oldStatus}, not 401`)

    step("lee: joins another club by a link; the first club's documents are not listed")
    await join(lee, args.base, { code: args["other-invite"], deviceName: "Lee's phone", byLink: true })
    await untilSync(lee.page, "saved", 0)
    const listed = await lee.page
      .locator('[data-testid="collection-item"]')
      .evaluateAll(els => els.map(e => e.dataset.docId))
    if (listed.includes(made) || listed.includes(args.collection)) {
      throw new Error(`the other club's home lists the first club's collections: ${JSON.stringify(listed)}`)
    }

    step("lee: both clubs are on the phone; switching back shows the first club's documents")
    const switchTo = await until("the club switch to list both clubs", async seen => {
      const options = await tid(lee.page, "club-switch")
        .locator("option")
        .evaluateAll(os => os.map(o => ({ value: o.value, label: o.textContent, selected: o.selected })))
      seen(options)
      return options.length === 2 && options.find(o => !o.selected)
    })
    await tid(lee.page, "club-switch").selectOption(switchTo.value)
    await onScreen(lee.page, "home")
    await homeItem(lee.page, "collection", made)
    await homeItem(lee.page, "collection", args.collection)
    return { made }
  },
  { limitMs: 180_000, failDir: args["fail-dir"] }
)
