/**
 * The app's screens through its test contract (`data-testid`): joining, home's items, a
 * collection's tins and donations, a petition's signatures. Re-exported by lib.mjs, whose
 * waits and helpers these use.
 */
import { WAIT_MS, step, note, tid, until, text, number, minorShown, decimal, onScreen, currentScreen, screenshot } from "./lib.mjs"

/** The app's URL under the server at `base` (`http://127.0.0.1:PORT`). */
export const appUrl = base => `${base.replace(/\/$/, "")}/app/`

/**
 * Joins the club on `p` with an invite: by the link `/app/#join=CODE` when `byLink` (the code must
 * come prefilled), otherwise by typing it; then waits for the home screen. `before(page)` runs on
 * the filled join screen (to take its screenshot).
 */
export async function join(p, base, { code, deviceName, byLink = false, before }) {
  const page = p.page
  step(`${p.name}: open the join screen`)
  await page.goto(byLink ? `${appUrl(base)}#join=${code}` : appUrl(base), { waitUntil: "load" })
  await onScreen(page, "join")
  if (byLink) {
    step(`${p.name}: the join link prefills the invite code`)
    await until(`join-code to hold ${code} (from the #join= link)`, async seen => {
      seen(await tid(page, "join-code").inputValue())
      return (await tid(page, "join-code").inputValue()) === code
    })
  } else {
    await tid(page, "join-code").fill(code)
  }
  await tid(page, "join-device-name").fill(deviceName)
  if (before) await before(page)
  step(`${p.name}: join`)
  await tid(page, "join-submit").click()
  await Promise.race([
    onScreen(page, "home"),
    tid(page, "join-error")
      .waitFor({ state: "visible", timeout: WAIT_MS })
      .then(async () => {
        throw new Error(`the app showed join-error: ${await text(page, "join-error")}`)
      }),
  ])
}

/** Waits (on home) for the list item of document `id` of `kind` (`collection` or `petition`). */
export async function homeItem(page, kind, id) {
  const item = page.locator(`[data-testid="${kind}-item"][data-doc-id="${id}"]`).first()
  await item.waitFor({ state: "visible", timeout: WAIT_MS }).catch(async () => {
    const shown = await page
      .locator(`[data-testid="${kind}-item"]`)
      .evaluateAll(els => els.map(e => e.dataset.docId))
      .catch(() => [])
    throw new Error(`no ${kind}-item with data-doc-id="${id}" on home within ${WAIT_MS} ms; items shown: ${JSON.stringify(shown)}`)
  })
  return item
}

/** From home, opens collection `id`. */
export async function openCollection(p, id) {
  step(`${p.name}: open collection ${id}`)
  await (await homeItem(p.page, "collection", id)).click()
  await onScreen(p.page, "collection")
}

/** From home, opens petition `id`. */
export async function openPetition(p, id) {
  step(`${p.name}: open petition ${id}`)
  await (await homeItem(p.page, "petition", id)).click()
  await onScreen(p.page, "petition")
}

/**
 * Back to home: the screen's `back-home` button, or (noted) opening the app's address when the
 * screen has none.
 */
export async function backHome(p, base) {
  step(`${p.name}: back home`)
  const button = p.page.getByTestId("back-home", { exact: true }).first()
  if (await button.isVisible()) {
    await button.click()
  } else {
    note(`${await currentScreen(p.page)} has no visible back-home button: went home by opening /app/`)
    await p.page.goto(appUrl(base))
  }
  await onScreen(p.page, "home")
}

/** Chooses tin `tin` in a `<select>` of tin numbers (by value, else by an option naming it). */
export async function chooseTin(page, selectId, tin) {
  const select = tid(page, selectId)
  await select.waitFor({ state: "visible" })
  const options = await until(`${selectId} to offer tin ${tin}`, async seen => {
    const opts = await select.locator("option").evaluateAll(os => os.map(o => ({ value: o.value, label: o.textContent.trim() })))
    seen(opts.slice(0, 30))
    const hit = opts.find(o => o.value === String(tin)) ?? opts.find(o => new RegExp(`(^|\\D)${tin}(\\D|$)`).test(o.label))
    return hit ? { hit, opts } : false
  })
  await select.selectOption({ value: options.hit.value })
}

/** On the collection screen: issues tin `tin` to me with `seal`, and waits until it is mine. */
export async function issueTinToMe(p, tin, seal) {
  const page = p.page
  step(`${p.name}: issue tin ${tin} to me (seal ${seal})`)
  await chooseTin(page, "tin-select", tin)
  await tid(page, "issue-tin-seal").fill(seal)
  await tid(page, "issue-tin-submit").click()
  await tid(page, "amount-preset").waitFor({ state: "visible" })
  await until("tin-total to show 0.00 for the newly issued tin", async seen => {
    seen(await text(page, "tin-total"))
    return (await minorShown(page, "tin-total")) === 0
  })
}

/** The preset amounts the collection screen offers, in minor units. */
export async function presets(page) {
  await tid(page, "amount-preset").waitFor({ state: "visible" })
  const values = await page
    .locator('[data-testid="amount-preset"]')
    .evaluateAll(els => els.map(e => Number(e.getAttribute("data-amount-minor"))))
  if (!values.length || values.some(v => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`amount-preset buttons carry no valid data-amount-minor: ${JSON.stringify(values)}`)
  }
  return values
}

/**
 * The whole collection's figures on the collection screen, as every member sees them:
 * `{count, tally}` (donations recorded, not reversed; the sum tallied in tins, minor units) and
 * the text shown.
 */
export async function collectionFigures(page) {
  return {
    count: await number(page, "collection-donation-count"),
    tally: await minorShown(page, "collection-tally-total"),
    shown: { count: await text(page, "collection-donation-count"), tally: await text(page, "collection-tally-total") },
  }
}

/** Waits until the collection screen's whole-collection figures show `count` and `tally`. */
export async function untilFigures(page, count, tally, limitMs = WAIT_MS) {
  return until(
    `collection-donation-count ${count} and collection-tally-total ${decimal(tally)}`,
    async seen => {
      const f = await collectionFigures(page)
      seen(f.shown)
      return f.count === count && f.tally === tally ? f : false
    },
    limitMs
  )
}

/**
 * Records one donation of `minor` on the collection screen: its preset button when there is one
 * (unless `custom`), else the custom amount. Waits until donation-count and tin-total show it.
 */
export async function donate(p, minor, { custom = false } = {}) {
  const page = p.page
  const count = await number(page, "donation-count")
  const total = await minorShown(page, "tin-total")
  const preset = page.locator(`[data-testid="amount-preset"][data-amount-minor="${minor}"]`).first()
  const usePreset = !custom && (await preset.count()) > 0
  step(`${p.name}: donate ${decimal(minor)} (${usePreset ? "preset" : "custom"}) as donation ${count + 1}`)
  if (usePreset) {
    await preset.click()
  } else {
    await tid(page, "amount-custom").fill(decimal(minor))
    await tid(page, "amount-custom-submit").click()
  }
  await until(`donation-count ${count + 1} and tin-total ${decimal(total + minor)}`, async seen => {
    const shown = { donationCount: await text(page, "donation-count"), tinTotal: await text(page, "tin-total") }
    seen(shown)
    return (await number(page, "donation-count")) === count + 1 && (await minorShown(page, "tin-total")) === total + minor
  })
  return usePreset ? "preset" : "custom"
}

/**
 * On the petition screen: signs as `signer` (`{name, postcode, consent}`), then "next signer",
 * and checks nothing of this signer is left on screen. Returns the consent wording version shown.
 */
export async function sign(p, signer) {
  const page = p.page
  const before = await number(page, "signature-count")
  step(`${p.name}: signature ${before + 1} (${signer.name})`)
  const consent = tid(page, "sign-consent")
  if (await consent.isChecked()) throw new Error("sign-consent is ticked before the signer touched it (it must start unticked)")
  await tid(page, "sign-name").fill(signer.name)
  await tid(page, "sign-postcode").fill(signer.postcode)
  if (signer.consent) await consent.check()
  const wording = await text(page, "consent-wording-version")
  await tid(page, "sign-submit").click()
  await until(`signature-count ${before + 1}`, async seen => {
    seen(await text(page, "signature-count"))
    return (await number(page, "signature-count")) === before + 1
  })
  step(`${p.name}: next signer after ${signer.name}`)
  await tid(page, "next-signer").click()
  await until("an empty signature form for the next signer", async seen => {
    const form = {
      name: await tid(page, "sign-name").inputValue(),
      postcode: await tid(page, "sign-postcode").inputValue(),
      consentTicked: await tid(page, "sign-consent").isChecked(),
    }
    seen(form)
    return form.name === "" && form.postcode === "" && !form.consentTicked
  })
  const body = await page.locator("body").innerText()
  if (body.includes(signer.name) || body.includes(signer.postcode)) {
    throw new Error(`after next-signer, the screen still shows the previous signer (${signer.name}, ${signer.postcode})`)
  }
  return wording
}
