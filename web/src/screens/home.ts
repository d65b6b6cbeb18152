/** Home: the club's collections and petitions, and a new collection. */
import type { Context, Screen } from "../app"
import { addTin, clubCurrency, clubIndex, clubName, newCollection, RecordError, str } from "../schema"
import { localDocuments } from "../store"
import { field, fill, flash, h, setText, show } from "../ui"

interface Item {
  id: string
  kind: string
  title: string
  addedAt: number
}

/** Tins a new collection gets (numbered 1..n), one change each. */
const DEFAULT_TINS = 20
const MAX_TINS = 500

export function homeScreen(ctx: Context): Screen {
  const heading = h("h1", {})
  const who = h("p", { class: "lead" })
  const collections = h("ul", { class: "items", "aria-label": "Street collections" })
  const petitions = h("ul", { class: "items", "aria-label": "Petitions" })
  const noCollections = h("p", { class: "empty" }, "No street collections yet.")
  const noPetitions = h("p", { class: "empty" }, "No petitions yet.")
  const message = h("p", { class: "flash", hidden: true, role: "status" })

  const title = h("input", { testid: "new-collection-title", placeholder: "High Street, Saturday", autocomplete: "off" })
  const tinCount = h("input", {
    testid: "new-collection-tins",
    type: "number",
    inputmode: "numeric",
    min: 1,
    max: MAX_TINS,
    value: DEFAULT_TINS,
  })
  const submit = h("button", { testid: "new-collection-submit", class: "primary", type: "submit" }, "Create collection")
  const form = h(
    "form",
    { class: "stack card", hidden: true },
    field("Title", title),
    field("Number of tins", tinCount, "Tins numbered 1 to this number."),
    submit
  )
  const open = h("button", { testid: "new-collection", class: "secondary", type: "button", disabled: !ctx.canWrite }, "+ New collection")
  open.addEventListener("click", () => {
    show(form, form.hidden)
    if (!form.hidden) title.focus()
  })
  form.addEventListener("submit", event => {
    event.preventDefault()
    try {
      const club = ctx.club()
      const currency = clubCurrency(club)
      if (!currency) throw new RecordError("The club's details have not reached this phone yet: connect once, then try again.")
      const n = Number(tinCount.value)
      if (!Number.isInteger(n) || n < 1 || n > MAX_TINS) throw new RecordError(`Number of tins: 1 to ${MAX_TINS}.`)
      const at = Date.now()
      const initial = newCollection({ club: ctx.me.club_document, title: title.value, currency, at })
      const handle = ctx.sync.create(initial)
      for (let tin = 1; tin <= n; tin++) handle.change(d => addTin(d, tin, at))
      localDocuments.add({ id: handle.documentId, kind: "street_collection", title: title.value.trim() })
      title.value = ""
      form.hidden = true
      ctx.navigate(`#/collection/${handle.documentId}`)
    } catch (e) {
      flash(message, (e as Error).message, "error")
    }
  })

  const renderItem = (item: Item, kind: "collection" | "petition") => {
    const held = ctx.sync.doc(item.id)
    const label = str(held?.title) || item.title || (kind === "collection" ? "Street collection" : "Petition")
    const route = kind === "collection" ? `#/collection/${item.id}` : `#/petition/${item.id}`
    return h(
      "li",
      {},
      h(
        "a",
        { testid: `${kind}-item`, "data-doc-id": item.id, class: "item", href: route },
        h("span", { class: "item-title" }, label),
        held ? null : h("span", { class: "item-note" }, "not on this phone yet")
      )
    )
  }

  let lastKey = ""
  const update = () => {
    const club = ctx.club()
    setText(heading, clubName(club))
    setText(who, `${ctx.me.member_name} · ${ctx.me.role}`)
    const items = new Map<string, Item>()
    for (const d of clubIndex(club)) items.set(d.id, d)
    for (const d of localDocuments.all()) {
      if (!items.has(d.id)) items.set(d.id, { ...d, addedAt: Number.MAX_SAFE_INTEGER })
    }
    const sorted = [...items.values()].sort((a, b) => b.addedAt - a.addedAt || a.title.localeCompare(b.title))
    const cs = sorted.filter(d => d.kind === "street_collection")
    const ps = sorted.filter(d => d.kind === "petition")
    const key = JSON.stringify([cs, ps, sorted.map(d => [d.id, !!ctx.sync.doc(d.id), str(ctx.sync.doc(d.id)?.title)])])
    if (key === lastKey) return
    lastKey = key
    fill(collections, ...cs.map(d => renderItem(d, "collection")))
    fill(petitions, ...ps.map(d => renderItem(d, "petition")))
    show(noCollections, cs.length === 0)
    show(petitions, ps.length > 0)
    show(noPetitions, ps.length === 0)
    show(collections, cs.length > 0)
  }

  const el = h(
    "section",
    { testid: "screen-home", class: "screen" },
    heading,
    who,
    h("h2", {}, "Street collections"),
    collections,
    noCollections,
    open,
    form,
    message,
    h("h2", {}, "Petitions"),
    petitions,
    noPetitions
  )
  update()
  return { el, update }
}
