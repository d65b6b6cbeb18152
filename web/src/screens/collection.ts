/**
 * Collection mode: the whole collection's figures (every phone's donations), my tin, two-tap
 * donations, the running total of my tin, undo as a reversal, and returning the tin. A tin not
 * issued to anyone can be issued to me with its seal number.
 *
 * The collection's figures read as core reads them (core/src/collection/donations.rs): a reversed
 * donation is left out; a donation into a tin is a tally of what collectors tapped, and the tin's
 * money enters the totals only through its count when the tin is opened, so the tally is shown
 * apart from the money outside tins and from what was counted, never added to them.
 */
import type { Context, Screen } from "../app"
import { denominationLabel, formatMinor, parseAmount, presets } from "../money"
import { collectionFigures } from "../figures"
import { uuidv7 } from "../ids"
import {
  activeCustody,
  custodyLog,
  donations,
  issueTin,
  recordTinDonation,
  returnTin,
  reverseDonation,
  str,
  tins,
  type AnyDoc,
} from "../schema"
import { field, fill, flash, h, setText, show } from "../ui"

const UNDO_REASON = "Undone on the collector's phone"

export function collectionScreen(ctx: Context, id: string): Screen {
  const me = ctx.me.member_id
  const title = h("h1", {}, "Street collection")
  const loading = h("p", { class: "loading" }, "Loading this collection… (the first time it needs a connection)")
  const message = h("p", { testid: "collection-message", class: "flash", hidden: true, role: "status" })

  // The whole collection, as every member's phone sees it.
  const currencyLabels = [h("span", {}), h("span", {}), h("span", {})]
  const allCount = h("span", { testid: "collection-donation-count", class: "figure" }, "0")
  const allCountText = h("span", {}, " donations recorded")
  const tally = h("span", { testid: "collection-tally-total", class: "figure" }, "0.00")
  const outside = h("span", { testid: "collection-outside-total", class: "figure" }, "0.00")
  const outsideLine = h("p", { class: "figure-line", hidden: true }, currencyLabels[1], " ", outside, " outside tins (card, online, other)")
  const counted = h("span", { testid: "collection-counted-total", class: "figure" }, "0.00")
  const countedTins = h("span", {})
  const countedLine = h("p", { class: "figure-line", hidden: true }, currencyLabels[2], " ", counted, " counted from ", countedTins)
  const postClose = h("span", { testid: "collection-post-close", class: "figure" }, "0")
  const postCloseLine = h("p", { class: "figure-line", hidden: true }, postClose, " after the return was submitted: adjustments, not in the figures above")
  const figures = h(
    "div",
    { testid: "collection-figures", class: "card figures", role: "group", "aria-label": "The whole collection" },
    h("p", { class: "figures-title" }, "Whole collection · all phones"),
    h("p", { class: "figure-line" }, allCount, allCountText),
    h("p", { class: "figure-line" }, currencyLabels[0], " ", tally, " tallied in tins"),
    outsideLine,
    countedLine,
    postCloseLine,
    h("p", { class: "hint" }, "The tin tally is what collectors tapped: a tin's money counts once the tin is opened and counted.")
  )

  // Choosing a tin.
  const select = h("select", { testid: "tin-select", "aria-label": "Tin" })
  const myGroup = h("optgroup", { label: "My tins" })
  const freeGroup = h("optgroup", { label: "Not issued: take one" })

  // Issuing a free tin to me.
  const seal = h("input", { testid: "issue-tin-seal", autocomplete: "off", autocapitalize: "characters", placeholder: "A-1043" })
  const issueButton = h("button", { testid: "issue-tin-submit", class: "primary", type: "submit" }, "Take this tin")
  const issuePanel = h(
    "form",
    { class: "stack card", hidden: true },
    h("p", {}, "This tin is not out with anyone. Seal it, then type the seal's number."),
    field("Seal number", seal),
    issueButton
  )

  // My tin: donations.
  const tinLabel = h("p", { class: "tin-label" })
  const total = h("span", { testid: "tin-total", class: "total" }, "0.00")
  const currencyLabel = h("span", { class: "currency" })
  const countLabel = h("span", { testid: "donation-count" }, "0")
  const presetBox = h("div", { class: "presets" })
  const custom = h("input", { testid: "amount-custom", inputmode: "decimal", autocomplete: "off", placeholder: "e.g. 3.50", "aria-label": "Other amount" })
  const customButton = h("button", { testid: "amount-custom-submit", class: "primary", type: "submit" }, "Add")
  const customForm = h("form", { class: "row" }, custom, customButton)
  const undo = h("button", { testid: "undo-last", class: "secondary", type: "button" }, "Undo last")
  const sealIntact = h("input", { testid: "return-seal-intact", type: "checkbox", checked: true })
  const returnButton = h("button", { testid: "return-tin", class: "danger", type: "button" }, "Return tin")
  const tinPanel = h(
    "div",
    { class: "stack", hidden: true },
    tinLabel,
    h("p", { class: "total-line" }, currencyLabel, " ", total),
    h("p", { class: "sub" }, countLabel, " donations in this tin"),
    presetBox,
    customForm,
    undo,
    h(
      "div",
      { class: "card stack" },
      h("label", { class: "check" }, sealIntact, h("span", {}, "Seal intact")),
      returnButton
    )
  )
  const nothing = h("p", { class: "empty", hidden: true }, "No tins to take: every tin is out with someone.")

  const counting = h("button", { testid: "open-counting", class: "secondary", type: "button" }, "Counting")
  const back = h("button", { testid: "back-home", class: "secondary", type: "button" }, "← Home")
  counting.addEventListener("click", () => ctx.navigate(`#/counting/${id}`))
  back.addEventListener("click", () => ctx.navigate("#/home"))

  // My tin first (the collector's one-handed controls stay at the top), then the whole collection.
  const body = h("div", { class: "stack", hidden: true }, field("Tin", select), nothing, issuePanel, tinPanel, figures)
  const el = h(
    "section",
    { testid: "screen-collection", class: "screen" },
    title,
    loading,
    body,
    message,
    h("div", { class: "row nav" }, back, counting)
  )

  const doc = (): AnyDoc | undefined => ctx.sync.doc(id)
  const handle = () => ctx.sync.handle(id)
  const selectedTin = (): number | undefined => (select.value === "" ? undefined : Number(select.value))
  const myCustody = () => {
    const d = doc()
    const tin = selectedTin()
    if (!d || tin === undefined) return undefined
    const c = activeCustody(d, tin)
    return c && c.collector === me ? c : undefined
  }
  /** My donations in my current issue of the selected tin, not reversed. */
  const mine = () => {
    const d = doc()
    const c = myCustody()
    if (!d || !c) return []
    return donations(d).filter(x => x.custody === c.id && x.collector === me && !x.reversed)
  }

  const write = (what: (d: AnyDoc) => void, ok: string) => {
    const target = handle()
    if (!target) return false
    try {
      if (!ctx.canWrite) throw new Error("Observers cannot record.")
      // Each writer validates before it writes: a refused record throws and writes nothing.
      target.change(d => what(d))
      flash(message, ok)
      update()
      return true
    } catch (e) {
      flash(message, (e as Error).message, "error")
      return false
    }
  }

  const donate = (amountMinor: number) => {
    const c = myCustody()
    const d = doc()
    if (!c || !d) return
    const currency = str(d.currency) ?? ""
    const at = Date.now()
    write(
      x =>
        recordTinDonation(x, {
          id: uuidv7(at),
          tin: c.tin,
          custody: c.id,
          amountMinor,
          currency,
          at,
          collector: me,
          device: ctx.me.device_id,
        }),
      `Added ${formatMinor(amountMinor, currency)} to tin ${c.tin}`
    )
  }

  issuePanel.addEventListener("submit", event => {
    event.preventDefault()
    const tin = selectedTin()
    if (tin === undefined) return
    const at = Date.now()
    const collector = ctx.member()
    if (
      write(
        d => issueTin(d, { id: uuidv7(at), tin, collector, seal: seal.value, issuedBy: me, at }),
        `Tin ${tin} is yours. Seal ${seal.value.trim()}.`
      )
    ) {
      seal.value = ""
    }
  })

  customForm.addEventListener("submit", event => {
    event.preventDefault()
    const d = doc()
    if (!d) return
    const currency = str(d.currency) ?? ""
    const amount = parseAmount(custom.value, currency)
    if (amount === null || amount <= 0) {
      flash(message, `Type an amount like ${formatMinor(350, currency)}.`, "error")
      return
    }
    donate(amount)
    custom.value = ""
  })

  undo.addEventListener("click", () => {
    const last = mine().at(-1)
    if (!last) return
    const at = Date.now()
    write(
      d => reverseDonation(d, { id: uuidv7(at), donation: last.id, reason: UNDO_REASON, by: me, at }),
      `Undone: ${formatMinor(last.amountMinor, last.currency)}`
    )
  })

  returnButton.addEventListener("click", () => {
    const c = myCustody()
    if (!c) return
    const intact = sealIntact.checked
    if (
      write(
        d => returnTin(d, c.id, { at: Date.now(), to: me, sealIntact: intact }),
        `Tin ${c.tin} returned${intact ? "" : " (seal broken)"}. Count it in Counting.`
      )
    ) {
      sealIntact.checked = true
      select.value = ""
      update()
    }
  })

  select.addEventListener("change", () => update())

  let optionsKey = ""
  let presetsKey = ""
  function update() {
    const d = doc()
    show(loading, !d)
    show(body, !!d)
    if (!d) return
    setText(title, str(d.title) ?? "Street collection")
    const currency = str(d.currency) ?? ""
    setText(currencyLabel, currency)
    for (const label of currencyLabels) setText(label, currency)

    // The whole collection: every donation not reversed, whoever recorded it on whichever phone,
    // up to the return once one is submitted (later entries are adjustments, shown apart).
    const f = collectionFigures(d)
    setText(allCount, f.recorded)
    setText(
      allCountText,
      (f.recorded === 1 ? " donation recorded" : " donations recorded") +
        (f.outside ? `: ${f.inTins} in tins, ${f.outside} outside` : "")
    )
    setText(tally, formatMinor(f.tallyMinor, currency))
    show(outsideLine, f.outside > 0)
    setText(outside, formatMinor(f.outsideMinor, currency))
    show(countedLine, f.countedTins > 0)
    setText(counted, formatMinor(f.countedMinor, currency))
    setText(countedTins, f.countedTins === 1 ? "1 tin" : `${f.countedTins} tins`)
    show(postCloseLine, f.postClose > 0)
    setText(postClose, f.postClose === 1 ? "1 entry" : `${f.postClose} entries`)

    // Tins: mine first, then the ones nobody has.
    const all = tins(d)
    const log = custodyLog(d)
    const open = new Map<number, string>()
    for (const c of log) if (c.returnedAt === undefined) open.set(c.tin, c.collector)
    const myTins = all.filter(t => open.get(t) === me)
    const free = all.filter(t => !open.has(t))
    const key = JSON.stringify([myTins, free])
    if (key !== optionsKey) {
      optionsKey = key
      const keep = select.value
      fill(myGroup, ...myTins.map(t => h("option", { value: t }, `Tin ${t} (mine)`)))
      fill(freeGroup, ...free.map(t => h("option", { value: t }, `Tin ${t}`)))
      fill(select, myTins.length ? myGroup : null, free.length ? freeGroup : null)
      const values = [...myTins, ...free].map(String)
      select.value = values.includes(keep) ? keep : (values[0] ?? "")
    }
    if (select.value === "" && select.options.length) select.value = select.options[0].value
    show(nothing, select.options.length === 0)

    const custody = myCustody()
    const tin = selectedTin()
    show(tinPanel, !!custody)
    show(issuePanel, !custody && tin !== undefined && !open.has(tin))
    setText(issueButton, tin === undefined ? "Take this tin" : `Take tin ${tin}`)

    if (presetsKey !== currency) {
      presetsKey = currency
      fill(
        presetBox,
        ...presets(currency).map(minor => {
          const b = h("button", { testid: "amount-preset", "data-amount-minor": minor, class: "preset", type: "button" }, denominationLabel(minor, currency))
          b.addEventListener("click", () => donate(minor))
          return b
        })
      )
    }
    if (custody) {
      const list = mine()
      setText(tinLabel, `Tin ${custody.tin} · seal ${custody.seal} · since ${new Date(custody.issuedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`)
      setText(total, formatMinor(list.reduce((s, x) => s + x.amountMinor, 0), currency))
      setText(countLabel, list.length)
      undo.disabled = list.length === 0 || !ctx.canWrite
      const last = list.at(-1)
      setText(undo, last ? `Undo last (${formatMinor(last.amountMinor, currency)})` : "Undo last")
    } else {
      setText(total, formatMinor(0, currency))
      setText(countLabel, 0)
    }
    for (const b of [issueButton, customButton, returnButton, ...presetBox.querySelectorAll("button")]) {
      ;(b as HTMLButtonElement).disabled = !ctx.canWrite
    }
  }

  ctx.sync.open(id).then(update, () => undefined)
  update()
  return { el, update }
}
