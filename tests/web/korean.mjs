/**
 * The app in Korean, on a phone whose own clock is far from the club's:
 *
 * - a phone set to Korean (ko-KR) in Los Angeles opens the join screen in Korean and joins;
 * - home, the collection, counting and the petition are in Korean (screenshots `ko-*.png`);
 * - a refusal of the record writer (a tin taken without its seal number) is in Korean;
 * - the time a tin was issued and returned shows on the club's clock (the demo club is in
 *   London), not on the phone's;
 * - the language chosen on home (English) holds after a reload.
 *
 *   node korean.mjs --base URL --invite CODE --collection ID --petition ID --tin N --screens DIR --fail-dir DIR
 *
 * Prints the amount donated and the tin.
 */
import {
  backHome,
  chooseTin,
  donate,
  issueTinToMe,
  join,
  onScreen,
  openCollection,
  openPetition,
  options,
  phone,
  presets,
  reopen,
  run,
  screenshot,
  step,
  text,
  tid,
  until,
  untilSync,
} from "./lib.mjs"

const args = options({ base: {}, invite: {}, collection: {}, petition: {}, tin: {}, screens: {}, "fail-dir": {} })
const tin = Number(args.tin)
const CLUB_ZONE = "Europe/London"
const PHONE_ZONE = "America/Los_Angeles"

/**
 * `hh:mm` of `ms` in `timeZone` on a 12-hour clock, as the app shows it in Korean (`오후 03:45`;
 * Node's own ICU may lack Korean, so only the digits are compared).
 */
const clock = (ms, timeZone) =>
  new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", hour12: true, timeZone }).format(ms).slice(0, 5)

/** Fails unless `id` shows exactly `want`. */
async function shows(page, id, want) {
  await until(`${id} to show ${JSON.stringify(want)}`, async seen => {
    const shown = await text(page, id)
    seen(shown)
    return shown === want
  })
}

run(
  async browser => {
    const min = await phone(browser, "min-ji", { locale: "ko-KR", timezoneId: PHONE_ZONE })
    const page = min.page
    await join(min, args.base, {
      code: args.invite,
      deviceName: "민지의 휴대폰",
      before: async page => {
        await shows(page, "join-submit", "동아리 가입하기")
        await screenshot(page, args.screens, "ko-join")
      },
    })

    step("min-ji: home in Korean")
    await untilSync(page, "saved", 0)
    await until("the sync indicator in Korean", async seen => {
      const shown = await text(page, "sync-status")
      seen(shown)
      return shown.includes("모두 서버에 저장됨")
    })
    await shows(page, "new-collection", "+ 새 모금")
    await screenshot(page, args.screens, "ko-home")

    step("min-ji: takes a tin; its time is on the club's clock")
    await openCollection(min, args.collection)
    // A refusal of the record writer is in Korean too: no seal number typed.
    await chooseTin(page, "tin-select", tin)
    await tid(page, "issue-tin-submit").click()
    await shows(page, "collection-message", "모금함 봉인 번호를 입력하세요.")
    const before = Date.now()
    await issueTinToMe(min, tin, `S-${tin}`)
    const after = Date.now()
    const amount = (await presets(page))[1]
    await donate(min, amount)
    const label = await page.locator(".tin-label").first().textContent()
    const onClub = [clock(before, CLUB_ZONE), clock(after, CLUB_ZONE)]
    const onPhone = clock(before, PHONE_ZONE)
    if (!onClub.some(t => label.includes(t)) || label.includes(onPhone)) {
      throw new Error(`the tin label ${JSON.stringify(label)} is not on the club's clock ${JSON.stringify(onClub)} (the phone's: ${onPhone})`)
    }
    if (!label.includes(`모금함 ${tin}`)) throw new Error(`the tin label is not in Korean: ${label}`)
    await screenshot(page, args.screens, "ko-collection")

    step("min-ji: returns it and opens counting")
    await tid(page, "return-tin").click()
    await until("the tin to be returned", async seen => {
      const shown = await text(page, "collection-message")
      seen(shown)
      return shown.includes("반납")
    })
    await tid(page, "open-counting").click()
    await onScreen(page, "counting")
    await until("the returned tin in the counting list, in Korean", async seen => {
      const options = await tid(page, "count-custody")
        .locator("option")
        .evaluateAll(os => os.map(o => o.textContent))
      seen(options)
      return options.some(o => o.includes(`모금함 ${tin}`) && o.includes("반납"))
    })
    await screenshot(page, args.screens, "ko-counting")

    await backHome(min, args.base)
    await openPetition(min, args.petition)
    await shows(page, "sign-submit", "청원에 서명하기")
    await screenshot(page, args.screens, "ko-petition")

    step("min-ji: chooses English; it holds after a reload")
    await backHome(min, args.base)
    await tid(page, "language-select").selectOption("en")
    await shows(page, "new-collection", "+ New collection")
    await reopen(min, { offline: false })
    await onScreen(min.page, "home")
    await shows(min.page, "new-collection", "+ New collection")
    return { tin, amount }
  },
  { limitMs: 180_000, failDir: args["fail-dir"] }
)
