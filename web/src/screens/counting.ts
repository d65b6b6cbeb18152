/**
 * Counting a returned tin: two counters (members 16+), coins and notes by value, the total,
 * and sign-off by both.
 *
 * Before the count is saved, each "sign" button marks that counter as signed; "Save count"
 * writes the count with those signatures in one change. Once saved, a counter who has not
 * signed yet signs with the same button, which adds their key to the count's `signatures`
 * (one change). A saved count is never edited.
 */
import { memberName, shortTime, type Context, type Screen } from "../app"
import { uuidv7 } from "../ids"
import { denominationLabel, denominations as currencyDenominations, formatMinor } from "../money"
import {
  counts,
  countTotal,
  custodyLog,
  members,
  recordCount,
  signCount,
  str,
  type AnyDoc,
  type Count,
  type Member,
} from "../schema"
import { field, fill, flash, h, setText, show } from "../ui"

const DEFAULT_PLACE = "Club room"

export function countingScreen(ctx: Context, id: string): Screen {
  const title = h("h1", {}, "Counting")
  const loading = h("p", { class: "loading" }, "Loading this collection…")
  const message = h("p", { testid: "count-message", class: "flash", hidden: true, role: "status" })
  const nothing = h("p", { class: "empty", hidden: true }, "No returned tins to count yet. A tin is counted after it is returned.")

  const custodySelect = h("select", { testid: "count-custody", "aria-label": "Tin to count" })
  const counter1 = h("select", { testid: "count-counter-1" })
  const counter2 = h("select", { testid: "count-counter-2" })
  const place = h("input", { testid: "count-place", value: DEFAULT_PLACE, autocomplete: "off" })
  const denomBox = h("div", { class: "denoms" })
  const total = h("span", { testid: "count-total", class: "total" }, "0.00")
  const currencyLabel = h("span", { class: "currency" })
  const status = h("p", { testid: "count-status", class: "status" })
  const sign1 = h("button", { testid: "count-sign-1", class: "secondary sign", type: "button" }, "Counter 1 signs")
  const sign2 = h("button", { testid: "count-sign-2", class: "secondary sign", type: "button" }, "Counter 2 signs")
  const submit = h("button", { testid: "count-submit", class: "primary", type: "button" }, "Save count")
  const back = h("button", { testid: "back-collection", class: "secondary", type: "button" }, "← Collection")
  const home = h("button", { testid: "back-home", class: "secondary", type: "button" }, "Home")
  back.addEventListener("click", () => ctx.navigate(`#/collection/${id}`))
  home.addEventListener("click", () => ctx.navigate("#/home"))

  const body = h(
    "div",
    { class: "stack", hidden: true },
    field("Tin", custodySelect),
    nothing,
    h(
      "div",
      { class: "stack", "data-part": "count" },
      field("Counter 1", counter1),
      field("Counter 2", counter2),
      field("Place", place),
      h("h2", {}, "Coins and notes"),
      denomBox,
      h("p", { class: "total-line" }, "Total ", currencyLabel, " ", total),
      status,
      h("div", { class: "row" }, sign1, sign2),
      submit
    )
  )
  const countPart = body.querySelector<HTMLElement>('[data-part="count"]')!
  const el = h("section", { testid: "screen-counting", class: "screen" }, title, loading, body, message, h("div", { class: "row nav" }, back, home))

  const doc = (): AnyDoc | undefined => ctx.sync.doc(id)
  /** Signatures given before saving: member id -> time. */
  let drafts: Record<string, number> = {}
  const inputs = new Map<number, HTMLInputElement>()

  const adults = (): Member[] => members(ctx.club()).filter(m => m.age16plus)
  const byId = (mid: string) => members(ctx.club()).find(m => m.id === mid)
  const saved = (): Count | undefined => {
    const d = doc()
    if (!d || !custodySelect.value) return undefined
    return counts(d).find(c => c.custody === custodySelect.value && c.active)
  }
  const entered = () =>
    [...inputs.entries()]
      .map(([value, input]) => ({ value, quantity: Number(input.value || "0") }))
      .filter(x => x.quantity !== 0)

  const signAs = (which: 1 | 2) => {
    const count = saved()
    const d = doc()
    const handle = ctx.sync.handle(id)
    if (!d || !handle) return
    if (!ctx.canWrite) return flash(message, "Observers cannot record.", "error")
    if (count) {
      const counter = which === 1 ? count.counter1 : count.counter2
      try {
        handle.change(x => signCount(x, count.id, counter, ctx.me.member_id, Date.now()))
        flash(message, `Signed by ${memberName(ctx, counter)}.`)
      } catch (e) {
        flash(message, (e as Error).message, "error")
      }
    } else {
      const counter = (which === 1 ? counter1 : counter2).value
      if (!counter) return flash(message, `Choose counter ${which} first.`, "error")
      if (drafts[counter] !== undefined) delete drafts[counter]
      else drafts[counter] = Date.now()
    }
    update()
  }
  sign1.addEventListener("click", () => signAs(1))
  sign2.addEventListener("click", () => signAs(2))

  const keepDraftsValid = () => {
    const chosen = new Set([counter1.value, counter2.value])
    for (const m of Object.keys(drafts)) if (!chosen.has(m)) delete drafts[m]
  }
  counter1.addEventListener("change", () => (keepDraftsValid(), update()))
  counter2.addEventListener("change", () => (keepDraftsValid(), update()))
  custodySelect.addEventListener("change", () => {
    drafts = {}
    for (const input of inputs.values()) input.value = ""
    update()
  })

  submit.addEventListener("click", () => {
    const d = doc()
    const handle = ctx.sync.handle(id)
    if (!d || !handle) return
    if (!ctx.canWrite) return flash(message, "Observers cannot record.", "error")
    const at = Date.now()
    try {
      handle.change(x =>
        recordCount(x, {
          id: uuidv7(at),
          custody: custodySelect.value,
          place: place.value,
          at,
          counter1: byId(counter1.value),
          counter2: byId(counter2.value),
          denominations: entered(),
          signatures: drafts,
        })
      )
      drafts = {}
      flash(message, "Count saved.")
    } catch (e) {
      flash(message, (e as Error).message, "error")
    }
    update()
  })

  const memberOptions = (select: HTMLSelectElement, list: Member[], fallback: string) => {
    const keep = select.value || fallback
    const key = JSON.stringify(list.map(m => [m.id, m.name]))
    if (select.dataset.key !== key) {
      select.dataset.key = key
      fill(select, h("option", { value: "" }, "Choose…"), ...list.map(m => h("option", { value: m.id }, m.name)))
    }
    select.value = list.some(m => m.id === keep) ? keep : ""
  }

  let denomsKey = ""
  let custodyKey = ""
  function update() {
    const d = doc()
    show(loading, !d)
    show(body, !!d)
    if (!d) return
    const currency = str(d.currency) ?? ""
    setText(title, `Counting · ${str(d.title) ?? ""}`)
    setText(currencyLabel, currency)

    // Returned tins, the latest first; counted ones say so.
    const all = counts(d)
    const returned = custodyLog(d)
      .filter(c => c.returnedAt !== undefined)
      .sort((a, b) => (b.returnedAt ?? 0) - (a.returnedAt ?? 0))
    const key = JSON.stringify(returned.map(c => [c.id, all.some(x => x.custody === c.id && x.active)]))
    if (key !== custodyKey) {
      custodyKey = key
      const keep = custodySelect.value
      fill(
        custodySelect,
        ...returned.map(c => {
          const counted = all.some(x => x.custody === c.id && x.active)
          return h(
            "option",
            { value: c.id },
            `Tin ${c.tin} · ${memberName(ctx, c.collector)} · returned ${shortTime(c.returnedAt!)}${counted ? " · counted" : ""}`
          )
        })
      )
      const uncounted = returned.find(c => !all.some(x => x.custody === c.id && x.active))
      custodySelect.value = returned.some(c => c.id === keep) ? keep : (uncounted ?? returned[0])?.id ?? ""
    }
    show(nothing, returned.length === 0)
    show(countPart, returned.length > 0)

    if (denomsKey !== currency) {
      denomsKey = currency
      inputs.clear()
      fill(
        denomBox,
        ...currencyDenominations(currency)
          .slice()
          .reverse()
          .map(value => {
            const input = h("input", {
              testid: `denom-${value}`,
              type: "number",
              inputmode: "numeric",
              min: 0,
              step: 1,
              placeholder: "0",
              "aria-label": `How many ${denominationLabel(value, currency)}`,
            })
            input.addEventListener("input", () => update())
            inputs.set(value, input)
            return h("label", { class: "denom" }, h("span", { class: "denom-label" }, denominationLabel(value, currency)), h("span", { class: "times" }, "×"), input)
          })
      )
    }

    const count = saved()
    const list = adults()
    memberOptions(counter1, list, ctx.member()?.age16plus ? ctx.me.member_id : "")
    memberOptions(counter2, list, "")
    const editable = !count && ctx.canWrite
    for (const control of [counter1, counter2, place, ...inputs.values()]) control.disabled = !editable
    show(submit, !count)

    if (count) {
      // Show the saved count as it is in the document.
      counter1.value = count.counter1
      counter2.value = count.counter2
      place.value = count.place
      for (const [value, input] of inputs) {
        const q = count.denominations.find(x => x.value === value)?.quantity
        input.value = q ? String(q) : ""
      }
      setText(total, formatMinor(count.amountMinor, currency))
      const signed = count.signedBy
      setText(
        status,
        signed.length === 2
          ? "Signed by both counters: this count is final."
          : signed.length === 1
            ? `Signed by ${memberName(ctx, signed[0])}; waiting for the other counter.`
            : "Saved, not signed yet."
      )
      for (const [button, counter] of [
        [sign1, count.counter1],
        [sign2, count.counter2],
      ] as const) {
        const done = signed.includes(counter)
        button.disabled = done || !ctx.canWrite
        button.classList.toggle("signed", done)
        setText(button, done ? `✓ ${memberName(ctx, counter)} signed` : `${memberName(ctx, counter)} signs`)
      }
    } else {
      const rows = entered()
      const valid = rows.every(x => Number.isSafeInteger(x.quantity) && x.quantity > 0)
      setText(total, valid ? formatMinor(countTotal(rows), currency) : "—")
      for (const [button, select, n] of [
        [sign1, counter1, 1],
        [sign2, counter2, 2],
      ] as const) {
        const counter = select.value
        const done = !!counter && drafts[counter] !== undefined
        button.disabled = !ctx.canWrite
        button.classList.toggle("signed", done)
        setText(button, counter ? (done ? `✓ ${memberName(ctx, counter)} signed` : `${memberName(ctx, counter)} signs`) : `Counter ${n} signs`)
      }
      const n = Object.keys(drafts).length
      setText(status, n === 2 ? "Both counters signed: save the count." : n === 1 ? "One counter signed." : "Both counters check the total, sign, then save.")
    }
  }

  ctx.sync.open(id).then(update, () => undefined)
  update()
  return { el, update }
}
