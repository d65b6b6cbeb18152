/**
 * The `clubsync` CLI and the app read each other's records. Lee's phone takes a tin; the
 * coordinator's laptop records a donation into it with the CLI (checkpoint "tin-issued"); the app
 * shows it in the tin's total without reloading. Lee then records donations in the app, returns the
 * tin, and counts it on the counting screen with Kim as second counter, both signing; the Rust
 * test reads the count in the CLI's report (amount and currency). Saves counting.png.
 *
 *   node cli.mjs --base http://127.0.0.1:PORT --invite CODE --collection ID [--tin 5]
 *                --second-counter "Coordinator Kim" [--screens DIR] --fail-dir DIR
 *
 * At checkpoint "tin-issued" the test answers {"continue": true, "minor": N}: the amount the
 * CLI recorded, in minor units.
 */
import {
  checkpoint,
  decimal,
  donate,
  homeItem,
  issueTinToMe,
  join,
  minorShown,
  number,
  onScreen,
  openCollection,
  options,
  phone,
  presets,
  run,
  screenshot,
  step,
  text,
  tid,
  timed,
  until,
  untilSync,
} from "./lib.mjs"

const args = options({
  base: {},
  invite: {},
  collection: {},
  tin: { default: "5" },
  "second-counter": {},
  screens: { default: "" },
  "fail-dir": {},
})
const tin = Number(args.tin)
const screens = args.screens || null

/** Chooses, in the member `<select>` `id`, the option whose text contains `name`. */
async function chooseMember(page, id, name) {
  const select = tid(page, id)
  const found = await until(`${id} to offer a member named ${name}`, async seen => {
    const opts = await select.locator("option").evaluateAll(os => os.map(o => ({ value: o.value, label: o.textContent.trim() })))
    seen(opts)
    return opts.find(o => o.label.includes(name))
  })
  await select.selectOption({ value: found.value })
}

/** Coins and notes making `minor` from the denominations offered (largest first). */
function breakDown(minor, values) {
  const out = []
  let rest = minor
  for (const value of [...values].sort((a, b) => b - a)) {
    const n = Math.floor(rest / value)
    if (n > 0) {
      out.push({ value, quantity: n })
      rest -= n * value
    }
  }
  if (rest !== 0) throw new Error(`cannot make ${decimal(minor)} from the denominations offered: ${values}`)
  return out
}

run(
  async browser => {
    const lee = await phone(browser, "lee")
    const page = lee.page
    await timed("join", () => join(lee, args.base, { code: args.invite, deviceName: "Lee's phone" }))
    await homeItem(page, "collection", args.collection)
    await openCollection(lee, args.collection)
    await issueTinToMe(lee, tin, `C-${tin}`)
    await untilSync(page, "saved", 0)

    const { minor: cliMinor } = await checkpoint("tin-issued")
    if (!Number.isInteger(cliMinor)) throw new Error("the test sent no amount for the CLI's donation")
    const since = Date.now()
    await timed("the CLI's donation appears", () =>
      until(`the CLI's donation of ${decimal(cliMinor)} in tin-total and donation-count 1`, async seen => {
        seen({ donationCount: await text(page, "donation-count"), tinTotal: await text(page, "tin-total") })
        return (await number(page, "donation-count")) === 1 && (await minorShown(page, "tin-total")) === cliMinor
      })
    )
    const cliShownAfterMs = Date.now() - since

    const offered = await presets(page)
    const appAmounts = [offered[1] ?? offered[0], 1234]
    await donate(lee, appAmounts[0])
    await donate(lee, appAmounts[1], { custom: true })
    const tally = cliMinor + appAmounts[0] + appAmounts[1]
    await untilSync(page, "saved", 0)

    step("lee: return the tin")
    await tid(page, "return-tin").click()
    await until("the tin panel to close after return-tin", async () => !(await tid(page, "amount-preset").isVisible()))

    step("lee: open counting")
    await tid(page, "open-counting").click()
    await onScreen(page, "counting")
    step(`lee: choose ${args["second-counter"]} as counter 2`)
    await chooseMember(page, "count-counter-2", args["second-counter"])
    await until("count-counter-1 to have a counter (Lee, the default)", async seen => {
      const v = await tid(page, "count-counter-1").inputValue()
      seen(v)
      return v !== ""
    })
    const values = await page
      .locator('[data-testid^="denom-"]')
      .evaluateAll(els => els.map(e => Number(e.dataset.testid.slice("denom-".length))).filter(Number.isInteger))
    const coins = breakDown(tally, values)
    step(`lee: enter the coins and notes (${JSON.stringify(coins)})`)
    for (const { value, quantity } of coins) await tid(page, `denom-${value}`).fill(String(quantity))
    await until(`count-total ${decimal(tally)}`, async seen => {
      seen(await text(page, "count-total"))
      return (await minorShown(page, "count-total")) === tally
    })
    step("lee: both counters sign, then save the count")
    await tid(page, "count-sign-1").click()
    await tid(page, "count-sign-2").click()
    await tid(page, "count-submit").click()
    await until("the saved count (count-submit hidden)", async () => !(await tid(page, "count-submit").isVisible()))
    await untilSync(page, "saved", 0)
    const countTotal = await text(page, "count-total")
    // The same picture on every run: after the "Count saved." message has faded (4 s).
    if (screens) await until("count-message to fade", async () => !(await tid(page, "count-message").isVisible()), 10_000)
    await screenshot(page, screens, "counting")

    return { cliMinor, cliShownAfterMs, appAmounts, tally, coins, countTotal }
  },
  { limitMs: 180_000, failDir: args["fail-dir"] }
)
