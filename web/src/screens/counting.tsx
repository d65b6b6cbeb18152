/**
 * Counting a returned tin: two counters (members 16+), coins and notes by value, the total,
 * and sign-off by both.
 *
 * Before the count is saved, each "sign" button marks that counter as signed; "Save count"
 * writes the count with those signatures in one change. Once saved, a counter who has not
 * signed yet signs with the same button, which adds their key to the count's `signatures`
 * (one change). A saved count is never edited.
 */
import { useEffect, useState } from "react"

import { Field, Flash, useFlash } from "../components"
import { memberName, useClub } from "../club"
import { useLocale } from "../i18n"
import { uuidv7 } from "../ids"
import { denominationLabel, denominations as currencyDenominations } from "../money"
import { counts, countTotal, custodyLog, members, recordCount, signCount, str, type AnyDoc, type Member, refusalText } from "../schema"

export function CountingScreen({ id }: { id: string }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash] = useFlash()
  const [chosenCustody, setChosenCustody] = useState("")
  const [chosen1, setCounter1] = useState<string>()
  const [chosen2, setCounter2] = useState("")
  const [place, setPlace] = useState(t.defaultPlace)
  const [quantities, setQuantities] = useState<Record<number, string>>({})
  /** Signatures given before saving: member id -> time. */
  const [drafts, setDrafts] = useState<Record<string, number>>({})

  useEffect(() => {
    club.sync.open(id).catch(() => undefined)
  }, [club, id])

  const doc: AnyDoc | undefined = club.sync.doc(id)
  const nav = (
    <div className="row nav">
      <button data-testid="back-collection" className="secondary" type="button" onClick={() => club.navigate(`#/collection/${id}`)}>
        {t.backCollection}
      </button>
      <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
        {t.home}
      </button>
    </div>
  )
  if (!doc) {
    return (
      <section data-testid="screen-counting" className="screen">
        <h1>{t.counting}</h1>
        <p className="loading">{t.loadingCount}</p>
        <Flash testid="count-message" message={message} />
        {nav}
      </section>
    )
  }

  const name = (member: string) => memberName(club, member, t.memberShort)
  const currency = str(doc.currency) ?? ""
  const all = counts(doc)
  const isCounted = (custody: string) => all.some(x => x.custody === custody && x.active)
  // Returned tins, the latest first; counted ones say so.
  const returned = custodyLog(doc)
    .filter(c => c.returnedAt !== undefined)
    .sort((a, b) => (b.returnedAt ?? 0) - (a.returnedAt ?? 0))
  const custody = returned.some(c => c.id === chosenCustody)
    ? chosenCustody
    : ((returned.find(c => !isCounted(c.id)) ?? returned[0])?.id ?? "")
  const saved = custody ? all.find(c => c.custody === custody && c.active) : undefined

  const adults: Member[] = members(club.club()).filter(m => m.age16plus)
  const byId = (member: string) => members(club.club()).find(m => m.id === member)
  const pick = (value: string) => (adults.some(m => m.id === value) ? value : "")
  const counter1 = saved ? saved.counter1 : pick(chosen1 ?? (club.member()?.age16plus ? club.me.member_id : ""))
  const counter2 = saved ? saved.counter2 : pick(chosen2)
  const values = currencyDenominations(currency).slice().reverse()
  const entered = values
    .map(value => ({ value, quantity: Number(quantities[value] || "0") }))
    .filter(x => x.quantity !== 0)
  // Only signatures of the counters chosen now count.
  const signedDrafts = Object.fromEntries(Object.entries(drafts).filter(([m]) => m === counter1 || m === counter2))

  const chooseCustody = (value: string) => {
    setChosenCustody(value)
    setDrafts({})
    setQuantities({})
  }

  const signAs = (which: 1 | 2) => {
    const handle = club.sync.handle(id)
    if (!handle) return
    if (!club.canWrite) return flash(t.observersCannot, "error")
    if (saved) {
      const counter = which === 1 ? saved.counter1 : saved.counter2
      try {
        handle.change(x => signCount(x, saved.id, counter, club.me.member_id, Date.now()))
        flash(t.signedBy(name(counter)))
      } catch (e) {
        flash(refusalText(t, e), "error")
      }
    } else {
      const counter = which === 1 ? counter1 : counter2
      if (!counter) return flash(t.chooseCounter(which), "error")
      const next = { ...signedDrafts }
      if (next[counter] !== undefined) delete next[counter]
      else next[counter] = Date.now()
      setDrafts(next)
    }
  }

  const save = () => {
    const handle = club.sync.handle(id)
    if (!handle) return
    if (!club.canWrite) return flash(t.observersCannot, "error")
    const at = Date.now()
    try {
      handle.change(x =>
        recordCount(x, {
          id: uuidv7(at),
          custody,
          place,
          at,
          counter1: byId(counter1),
          counter2: byId(counter2),
          denominations: entered,
          signatures: signedDrafts,
        })
      )
      setDrafts({})
      flash(t.countSaved)
    } catch (e) {
      flash(refusalText(t, e), "error")
    }
  }

  const editable = !saved && club.canWrite
  let total: string
  let status: string
  const buttons: { label: string; done: boolean; disabled: boolean }[] = []
  if (saved) {
    total = format.money(saved.amountMinor, currency)
    const signed = saved.signedBy
    status = signed.length === 2 ? t.finalCount : signed.length === 1 ? t.waitingOther(name(signed[0])) : t.savedUnsigned
    for (const counter of [saved.counter1, saved.counter2]) {
      const done = signed.includes(counter)
      buttons.push({ label: done ? t.hasSigned(name(counter)) : t.signs(name(counter)), done, disabled: done || !club.canWrite })
    }
  } else {
    const valid = entered.every(x => Number.isSafeInteger(x.quantity) && x.quantity > 0)
    total = valid ? format.money(countTotal(entered), currency) : "—"
    for (const [counter, n] of [
      [counter1, 1],
      [counter2, 2],
    ] as const) {
      const done = !!counter && signedDrafts[counter] !== undefined
      buttons.push({
        label: counter ? (done ? t.hasSigned(name(counter)) : t.signs(name(counter))) : t.counterSigns(n),
        done,
        disabled: !club.canWrite,
      })
    }
    const n = Object.keys(signedDrafts).length
    status = n === 2 ? t.bothSigned : n === 1 ? t.oneSigned : t.checkSignSave
  }

  const memberSelect = (testid: string, value: string, set: (v: string) => void) => (
    <select data-testid={testid} value={value} disabled={!editable} onChange={e => set(e.target.value)}>
      <option value="">{t.choose}</option>
      {adults.map(m => (
        <option key={m.id} value={m.id}>
          {m.name}
        </option>
      ))}
    </select>
  )

  return (
    <section data-testid="screen-counting" className="screen">
      <h1>{t.countingOf(str(doc.title) ?? "")}</h1>
      <div className="stack">
        <Field label={t.tin}>
          <select data-testid="count-custody" aria-label={t.tinToCount} value={custody} onChange={e => chooseCustody(e.target.value)}>
            {returned.map(c => (
              <option key={c.id} value={c.id}>
                {t.custodyOption(c.tin, name(c.collector), format.shortTime(c.returnedAt!), isCounted(c.id))}
              </option>
            ))}
          </select>
        </Field>
        <p className="empty" hidden={returned.length > 0}>
          {t.nothingToCount}
        </p>
        <div className="stack" data-part="count" hidden={returned.length === 0}>
          <Field label={t.counterN(1)}>{memberSelect("count-counter-1", counter1, setCounter1)}</Field>
          <Field label={t.counterN(2)}>{memberSelect("count-counter-2", counter2, setCounter2)}</Field>
          <Field label={t.place}>
            <input
              data-testid="count-place"
              autoComplete="off"
              disabled={!editable}
              value={saved ? saved.place : place}
              onChange={e => setPlace(e.target.value)}
            />
          </Field>
          <h2>{t.coinsAndNotes}</h2>
          <div className="denoms">
            {values.map(value => {
              const shown = saved ? String(saved.denominations.find(x => x.value === value)?.quantity || "") : (quantities[value] ?? "")
              return (
                <label key={value} className="denom">
                  <span className="denom-label">{denominationLabel(value, currency)}</span>
                  <span className="times">×</span>
                  <input
                    data-testid={`denom-${value}`}
                    type="number"
                    inputMode="numeric"
                    min={0}
                    step={1}
                    placeholder="0"
                    aria-label={t.howMany(denominationLabel(value, currency))}
                    disabled={!editable}
                    value={shown}
                    onChange={e => setQuantities({ ...quantities, [value]: e.target.value })}
                  />
                </label>
              )
            })}
          </div>
          <p className="total-line">
            {t.total}
            <span className="currency">{currency}</span>{" "}
            <span data-testid="count-total" className="total">
              {total}
            </span>
          </p>
          <p data-testid="count-status" className="status">
            {status}
          </p>
          <div className="row">
            {buttons.map((b, i) => (
              <button
                key={i}
                data-testid={`count-sign-${i + 1}`}
                className={b.done ? "secondary sign signed" : "secondary sign"}
                type="button"
                disabled={b.disabled}
                onClick={() => signAs((i + 1) as 1 | 2)}
              >
                {b.label}
              </button>
            ))}
          </div>
          <button data-testid="count-submit" className="primary" type="button" hidden={!!saved} onClick={save}>
            {t.saveCount}
          </button>
        </div>
      </div>
      <Flash testid="count-message" message={message} />
      {nav}
    </section>
  )
}
