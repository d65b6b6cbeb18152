/**
 * A coordinator runs the club from the app:
 *
 * - Kim (coordinator) invites Asha from her phone: the invite shows a code, a link and a QR code;
 *   Asha's phone opens the link and joins;
 * - Kim adds a device for herself: her laptop (1280 px) joins as the same member;
 * - Kim revokes Asha's phone in two taps; Asha's phone, online, is cut, learns it was revoked,
 *   and erases the club: its IndexedDB database and localStorage no longer hold the club, and
 *   the join screen says why.
 *
 *   node coordinator.mjs --base URL --invite CODE --screens DIR --fail-dir DIR
 *
 * Prints the ids of Asha's and the laptop's devices.
 */
import { join, onScreen, options, phone, run, screenshot, step, text, tid, until, untilSync } from "./lib.mjs"

const args = options({ base: {}, invite: {}, screens: {}, "fail-dir": {} })

/** Reads the invite the members screen shows: its code and link, and checks the QR code. */
async function shownInvite(page) {
  await tid(page, "invite-result").waitFor({ state: "visible" })
  const code = await text(page, "invite-code")
  const link = await tid(page, "invite-link").getAttribute("href")
  if (!/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{5}$/.test(code)) throw new Error(`no invite code shown: ${JSON.stringify(code)}`)
  if (!link?.endsWith(`#join=${code}`)) throw new Error(`the link ${link} does not carry the code ${code}`)
  const squares = await tid(page, "invite-qr").locator("path").getAttribute("d")
  if (!squares || squares.split("M").length < 100) throw new Error("no QR code drawn for the link")
  return { code, link }
}

/** The member row of `name` on the members screen. */
const memberRow = (page, name) => page.locator(`[data-testid="member-row"][data-member-name="${name}"]`).first()

run(
  async browser => {
    const kim = await phone(browser, "kim")
    await join(kim, args.base, { code: args.invite, deviceName: "Kim's phone" })
    await untilSync(kim.page, "saved", 0)

    step("kim: invites Asha from the members screen")
    await tid(kim.page, "open-members").click()
    await onScreen(kim.page, "members")
    await memberRow(kim.page, "Coordinator Kim").waitFor({ state: "visible" })
    await tid(kim.page, "invite-name").fill("Asha Khan")
    await tid(kim.page, "invite-role").selectOption("volunteer")
    await tid(kim.page, "invite-submit").click()
    const asha = await shownInvite(kim.page)
    await screenshot(kim.page, args.screens, "invite")

    step("asha: opens the link and joins")
    const ashaPhone = await phone(browser, "asha")
    await ashaPhone.page.goto(asha.link, { waitUntil: "load" })
    await onScreen(ashaPhone.page, "join")
    await until("the link to fill in the code", async seen => {
      const shown = await tid(ashaPhone.page, "join-code").inputValue()
      seen(shown)
      return shown === asha.code
    })
    await tid(ashaPhone.page, "join-device-name").fill("Asha's phone")
    await tid(ashaPhone.page, "join-submit").click()
    await onScreen(ashaPhone.page, "home")
    await untilSync(ashaPhone.page, "saved", 0)
    const ashaDevice = await ashaPhone.page.evaluate(() => JSON.parse(localStorage.getItem("clubsync.membership")).device_id)

    step("kim: adds her laptop as another device of hers")
    await memberRow(kim.page, "Asha Khan").waitFor({ state: "visible", timeout: 30_000 }).catch(async () => {
      await kim.page.reload()
      await memberRow(kim.page, "Asha Khan").waitFor({ state: "visible" })
    })
    await memberRow(kim.page, "Coordinator Kim").getByTestId("member-add-device").click()
    const laptopInvite = await shownInvite(kim.page)
    const laptop = await phone(browser, "kim-laptop", { laptop: true })
    await laptop.page.goto(laptopInvite.link, { waitUntil: "load" })
    await onScreen(laptop.page, "join")
    await until("the laptop's join code", async () => (await tid(laptop.page, "join-code").inputValue()) === laptopInvite.code)
    await tid(laptop.page, "join-device-name").fill("Kim's laptop")
    await tid(laptop.page, "join-submit").click()
    await onScreen(laptop.page, "home")
    const laptopMembership = await laptop.page.evaluate(() => JSON.parse(localStorage.getItem("clubsync.membership")))
    const phoneMembership = await kim.page.evaluate(() => JSON.parse(localStorage.getItem("clubsync.membership")))
    if (laptopMembership.member_id !== phoneMembership.member_id || laptopMembership.role !== "coordinator") {
      throw new Error(`the laptop joined as another member: ${JSON.stringify(laptopMembership)}`)
    }
    await tid(laptop.page, "open-members").click()
    await onScreen(laptop.page, "members")
    await until("one Kim with her devices on the laptop's members screen", async seen => {
      const rows = await laptop.page.locator('[data-testid="member-row"][data-member-name="Coordinator Kim"]').allTextContents()
      seen(rows)
      return rows.length === 1 && /[3-9] devices/.test(rows[0])
    })
    await screenshot(laptop.page, args.screens, "members-laptop")

    step("kim: revokes Asha's phone in two taps")
    await tid(kim.page, "open-devices").click()
    await onScreen(kim.page, "devices")
    const row = kim.page.locator(`[data-testid="device-row"][data-device-id="${ashaDevice}"]`).first()
    await row.waitFor({ state: "visible" })
    await screenshot(kim.page, args.screens, "devices")
    await row.getByTestId("device-revoke").click()
    await row.getByTestId("device-revoke-confirm").click()
    await until("Asha's phone to show as revoked", async () => (await row.getAttribute("data-revoked")) === "true")

    step("asha: the phone learns it was revoked and erases the club")
    await onScreen(ashaPhone.page, "join")
    await tid(ashaPhone.page, "removed-notice").waitFor({ state: "visible" })
    const left = await ashaPhone.page.evaluate(async () => ({
      databases: (await indexedDB.databases()).map(d => d.name),
      keys: Object.keys(localStorage),
    }))
    if (left.databases.some(name => name?.startsWith("clubsync-"))) {
      throw new Error(`the revoked phone still has a club database: ${JSON.stringify(left.databases)}`)
    }
    if (left.keys.some(key => key === "clubsync.membership" || key.startsWith("clubsync.confirmed") || key.startsWith("clubsync.local-documents"))) {
      throw new Error(`the revoked phone still keeps club data in localStorage: ${JSON.stringify(left.keys)}`)
    }
    await screenshot(ashaPhone.page, args.screens, "removed")

    step("kim: the coordinator's screens in Korean")
    await tid(kim.page, "back-home").click()
    await onScreen(kim.page, "home")
    await tid(kim.page, "language-select").selectOption("ko")
    await until("home in Korean", async () => (await text(kim.page, "open-members")) === "회원")
    await tid(kim.page, "open-members").click()
    await onScreen(kim.page, "members")
    await memberRow(kim.page, "Coordinator Kim").waitFor({ state: "visible" })
    await screenshot(kim.page, args.screens, "ko-members")
    await tid(kim.page, "open-devices").click()
    await onScreen(kim.page, "devices")
    await kim.page.getByTestId("device-row", { exact: true }).first().waitFor({ state: "visible" })
    await screenshot(kim.page, args.screens, "ko-devices")
    return { asha_device: ashaDevice, laptop_device: laptopMembership.device_id }
  },
  { limitMs: 240_000, failDir: args["fail-dir"] }
)
