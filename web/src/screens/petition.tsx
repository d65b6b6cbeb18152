/**
 * Petition stall: the text, a signature form with only what a signature needs (a name, and a
 * postcode or a town), and a separate, unticked consent box with its wording version. After
 * each signature the form is emptied and a thank-you panel leaves nothing of the signer on
 * screen; "Next signer" brings back an empty form.
 */
import { refusalText } from "../schema"
import { useEffect, useRef, useState, type FormEvent } from "react"

import { Field, Flash, useFlash } from "../components"
import { RecordFlags } from "../flag-list"
import { useClub } from "../club"
import { useLocale } from "../i18n"
import { uuidv7 } from "../ids"
import { CONSENT_WORDING, CONSENT_WORDING_VERSION, checkSignature, petition, recordConsent, sign } from "../petitions"

const EMPTY = { name: "", postcode: "", town: "", email: "", consent: false }

export function PetitionScreen({ id }: { id: string }) {
  const club = useClub()
  const { t, format } = useLocale()
  const [message, flash, clearFlash] = useFlash()
  const [signer, setSigner] = useState(EMPTY)
  const [thanks, setThanks] = useState(false)
  const nameInput = useRef<HTMLInputElement>(null)
  const nextButton = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    club.sync.open(id).catch(() => undefined)
  }, [club, id])
  useEffect(() => (thanks ? nextButton.current : nameInput.current)?.focus(), [thanks])

  const doc = club.sync.doc(id)
  const nav = (
    <div className="row nav">
      <button data-testid="back-home" className="secondary" type="button" onClick={() => club.navigate("#/home")}>
        {t.backHome}
      </button>
    </div>
  )
  if (!doc) {
    return (
      <section data-testid="screen-petition" className="screen">
        <h1>{t.petition}</h1>
        <p className="loading">{t.loadingPetition}</p>
        <Flash testid="petition-message" message={message} />
        {nav}
      </section>
    )
  }

  const p = petition(doc)
  const closed = p.deadline !== undefined && Date.now() > p.deadline
  const set = (field: keyof typeof EMPTY) => (e: { target: HTMLInputElement }) =>
    setSigner({ ...signer, [field]: field === "consent" ? e.target.checked : e.target.value })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const handle = club.sync.handle(id)
    if (!handle) return
    try {
      if (!club.canWrite) throw new Error(t.observersCannot)
      const at = Date.now()
      const signature = {
        id: uuidv7(at),
        name: signer.name,
        postcode: signer.postcode,
        town: signer.town,
        email: signer.consent ? signer.email : "",
        at,
        collector: club.me.member_id,
      }
      checkSignature(doc, signature)
      const consented = signer.consent
      // One record, one change: the signature, then (only if the box was ticked) its consent.
      handle.change(x => sign(x, signature))
      if (consented) {
        handle.change(x => recordConsent(x, { id: uuidv7(at), signature: signature.id, at, collector: club.me.member_id }))
      }
      setSigner(EMPTY)
      setThanks(true)
    } catch (e) {
      flash(refusalText(t, e), "error")
    }
  }

  const next = () => {
    setSigner(EMPTY)
    clearFlash()
    setThanks(false)
  }

  return (
    <section data-testid="screen-petition" className="screen">
      <h1>{p.title}</h1>
      <div className="stack">
        <details className="text-box" open>
          <summary>{t.petitionText}</summary>
          <div data-testid="petition-text" className="petition-text">
            {p.text}
          </div>
        </details>
        <p className="total-line">
          <span data-testid="signature-count">{format.number(p.signatures)}</span>
          {t.signatures}
        </p>
        <p className="error" hidden={!closed}>
          {t.deadlinePassed}
        </p>
        <form className="stack card" autoComplete="off" hidden={thanks} onSubmit={submit}>
          <Field label={t.fullName}>
            <input
              ref={nameInput}
              data-testid="sign-name"
              autoComplete="off"
              autoCapitalize="words"
              spellCheck={false}
              value={signer.name}
              onChange={set("name")}
            />
          </Field>
          <Field label={t.postcode}>
            <input
              data-testid="sign-postcode"
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              value={signer.postcode}
              onChange={set("postcode")}
            />
          </Field>
          <Field label={t.town}>
            <input data-testid="sign-town" autoComplete="off" autoCapitalize="words" spellCheck={false} value={signer.town} onChange={set("town")} />
          </Field>
          <div className="consent">
            <label className="check">
              <input data-testid="sign-consent" type="checkbox" checked={signer.consent} onChange={set("consent")} />
              <span>{CONSENT_WORDING}</span>
            </label>
            <p className="hint">
              {t.wording}
              <span data-testid="consent-wording-version">{CONSENT_WORDING_VERSION}</span>
              {t.wordingHint}
            </p>
          </div>
          <Field label={t.email} hint={t.emailHint} hidden={!signer.consent}>
            <input data-testid="sign-email" type="email" autoComplete="off" spellCheck={false} value={signer.email} onChange={set("email")} />
          </Field>
          <button data-testid="sign-submit" className="primary" type="submit" disabled={closed || !club.canWrite}>
            {t.signSubmit}
          </button>
        </form>
        <div data-testid="sign-thanks" className="stack card thanks" hidden={!thanks}>
          <p className="big">{t.thanks}</p>
          <p>{t.handBack}</p>
          <button ref={nextButton} data-testid="next-signer" className="primary" type="button" onClick={next}>
            {t.nextSigner}
          </button>
        </div>
      </div>
      <Flash testid="petition-message" message={message} />
      <RecordFlags id={id} />
      {nav}
    </section>
  )
}
