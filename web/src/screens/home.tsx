/** Home: the club's collections and petitions, a new collection, and the language. */
import { useRef, useState, type FormEvent } from "react"

import { Field, Flash, useFlash } from "../components"
import { useClub } from "../club"
import { LANGUAGES, useLocale, type Language } from "../i18n"
import { useClubFlags } from "../flag-list"
import { openAll } from "../flags"
import { HomeEvents } from "./home-events"
import { HomeSponsorship } from "./home-sponsorship"
import { addTin, clubCurrency, clubIndex, clubName, newCollection, RecordError, str, refusalText } from "../schema"
import { localDocuments, memberships } from "../store"

interface Item {
  id: string
  kind: string
  title: string
  addedAt: number
}

/** Tins a new collection gets (numbered 1..n), one change each. */
const DEFAULT_TINS = 20
const MAX_TINS = 500

export function HomeScreen() {
  const club = useClub()
  const { t } = useLocale()
  const [message, flash] = useFlash()
  const [formOpen, setFormOpen] = useState(false)
  const [title, setTitle] = useState("")
  const [tinCount, setTinCount] = useState(String(DEFAULT_TINS))
  const titleInput = useRef<HTMLInputElement>(null)

  const coordinator = club.me.role === "coordinator"
  const [flags] = useClubFlags(club, coordinator)
  const openFlagCount = openAll(flags?.open ?? [], id => club.sync.doc(id)).length

  const clubDoc = club.club()
  const items = new Map<string, Item>()
  for (const d of clubIndex(clubDoc)) items.set(d.id, d)
  for (const d of localDocuments.all()) {
    if (!items.has(d.id)) items.set(d.id, { ...d, addedAt: Number.MAX_SAFE_INTEGER })
  }
  const sorted = [...items.values()].sort((a, b) => b.addedAt - a.addedAt || a.title.localeCompare(b.title))
  const collections = sorted.filter(d => d.kind === "street_collection")
  const petitions = sorted.filter(d => d.kind === "petition")

  const create = (event: FormEvent) => {
    event.preventDefault()
    try {
      const currency = clubCurrency(club.club())
      if (!currency) throw new RecordError(t.clubNotHere)
      const n = Number(tinCount)
      if (!Number.isInteger(n) || n < 1 || n > MAX_TINS) throw new RecordError(t.tinCountRange(MAX_TINS))
      const at = Date.now()
      const initial = newCollection({ club: club.me.club_document, title, currency, at })
      const handle = club.sync.create(initial)
      for (let tin = 1; tin <= n; tin++) handle.change(d => addTin(d, tin, at))
      localDocuments.add({ id: handle.documentId, kind: "street_collection", title: title.trim() })
      setTitle("")
      setFormOpen(false)
      club.navigate(`#/collection/${handle.documentId}`)
    } catch (e) {
      flash(refusalText(t, e), "error")
    }
  }

  const item = (d: Item, kind: "collection" | "petition") => {
    const held = club.sync.doc(d.id)
    const label = str(held?.title) || d.title || (kind === "collection" ? t.streetCollection : t.petition)
    return (
      <li key={d.id}>
        <a data-testid={`${kind}-item`} data-doc-id={d.id} className="item" href={`#/${kind}/${d.id}`}>
          <span className="item-title">{label}</span>
          {held ? null : <span className="item-note">{t.notOnPhone}</span>}
        </a>
      </li>
    )
  }

  return (
    <section data-testid="screen-home" className="screen">
      <h1>{clubName(clubDoc)}</h1>
      <p className="lead">
        {club.me.member_name} · {t.role(club.me.role)}
      </p>
      {coordinator ? (
        <div className="row">
          <button data-testid="open-members" className="secondary" type="button" onClick={() => club.navigate("#/members")}>
            {t.members}
          </button>
          <button data-testid="open-devices" className="secondary" type="button" onClick={() => club.navigate("#/devices")}>
            {t.devices}
          </button>
          <button data-testid="open-flags" className="secondary" type="button" onClick={() => club.navigate("#/flags")}>
            {t.openFlags(openFlagCount)}
          </button>
        </div>
      ) : null}
      <h2>{t.streetCollections}</h2>
      {collections.length ? (
        <ul className="items" aria-label={t.streetCollections}>
          {collections.map(d => item(d, "collection"))}
        </ul>
      ) : (
        <p className="empty">{t.noCollections}</p>
      )}
      <button
        data-testid="new-collection"
        className="secondary"
        type="button"
        disabled={!club.canWrite}
        onClick={() => {
          setFormOpen(!formOpen)
          setTimeout(() => titleInput.current?.focus(), 0)
        }}
      >
        {t.newCollection}
      </button>
      <form className="stack card" hidden={!formOpen} onSubmit={create}>
        <Field label={t.collectionTitle}>
          <input
            ref={titleInput}
            data-testid="new-collection-title"
            placeholder={t.collectionTitlePlaceholder}
            autoComplete="off"
            value={title}
            onChange={e => setTitle(e.target.value)}
          />
        </Field>
        <Field label={t.tinCount} hint={t.tinCountHint}>
          <input
            data-testid="new-collection-tins"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_TINS}
            value={tinCount}
            onChange={e => setTinCount(e.target.value)}
          />
        </Field>
        <button data-testid="new-collection-submit" className="primary" type="submit">
          {t.createCollection}
        </button>
      </form>
      <Flash message={message} />
      <h2>{t.petitions}</h2>
      {petitions.length ? (
        <ul className="items" aria-label={t.petitions}>
          {petitions.map(d => item(d, "petition"))}
        </ul>
      ) : (
        <p className="empty">{t.noPetitions}</p>
      )}
      <HomeEvents />
      <HomeSponsorship />
      <ClubChoice />
      <LanguageChoice />
    </section>
  )
}

/** The clubs this phone joined: switch to another, or join one more. */
function ClubChoice() {
  const club = useClub()
  const { t } = useLocale()
  const all = memberships.all()
  return (
    <div className="stack club-choice">
      {all.length > 1 ? (
        <Field label={t.clubsOnPhone}>
          <select
            data-testid="club-switch"
            value={club.me.device_id}
            onChange={e => {
              if (memberships.switchTo(e.target.value)) location.reload()
            }}
          >
            {all.map(m => (
              <option key={m.device_id} value={m.device_id}>
                {m.club_name ?? m.club_id}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <button data-testid="join-another" className="secondary" type="button" onClick={() => club.navigate("#join=")}>
        {t.joinAnother}
      </button>
    </div>
  )
}

/** The language of this phone's screens. */
export function LanguageChoice() {
  const { t, language, setLanguage } = useLocale()
  return (
    <Field label={t.language} className="language">
      <select data-testid="language-select" value={language} onChange={e => setLanguage(e.target.value as Language)}>
        {Object.entries(LANGUAGES).map(([code, words]) => (
          <option key={code} value={code} lang={code}>
            {words.languageName}
          </option>
        ))}
      </select>
    </Field>
  )
}
