/**
 * Petition stall: the text, a signature form with only what a signature needs (a name, and a
 * postcode or a town), and a separate, unticked consent box with its wording version. After
 * each signature the form is emptied and a thank-you panel leaves nothing of the signer on
 * screen; "Next signer" brings back an empty form.
 */
import type { Context, Screen } from "../app"
import { uuidv7 } from "../ids"
import {
  CONSENT_WORDING,
  CONSENT_WORDING_VERSION,
  checkSignature,
  petition,
  recordConsent,
  sign,
  type AnyDoc,
} from "../schema"
import { field, flash, h, setText, show } from "../ui"

export function petitionScreen(ctx: Context, id: string): Screen {
  const title = h("h1", {}, "Petition")
  const loading = h("p", { class: "loading" }, "Loading this petition… (the first time it needs a connection)")
  const text = h("div", { testid: "petition-text", class: "petition-text" })
  const count = h("span", { testid: "signature-count" }, "0")
  const closed = h("p", { class: "error", hidden: true }, "This petition's deadline has passed: it takes no more signatures.")
  const message = h("p", { testid: "petition-message", class: "flash", hidden: true, role: "status" })

  const name = h("input", { testid: "sign-name", autocomplete: "off", autocapitalize: "words", spellcheck: "false" })
  const postcode = h("input", { testid: "sign-postcode", autocomplete: "off", autocapitalize: "characters", spellcheck: "false" })
  const town = h("input", { testid: "sign-town", autocomplete: "off", autocapitalize: "words", spellcheck: "false" })
  const consent = h("input", { testid: "sign-consent", type: "checkbox" })
  const email = h("input", { testid: "sign-email", type: "email", autocomplete: "off", spellcheck: "false" })
  const emailField = field("Email (optional)", email, "Only to send campaign news; never part of the petition.")
  emailField.hidden = true
  consent.addEventListener("change", () => show(emailField, consent.checked))
  const submit = h("button", { testid: "sign-submit", class: "primary", type: "submit" }, "Sign the petition")

  const form = h(
    "form",
    { class: "stack card", autocomplete: "off" },
    field("Full name", name),
    field("Postcode", postcode),
    field("Town (if no postcode)", town),
    h(
      "div",
      { class: "consent" },
      h("label", { class: "check" }, consent, h("span", {}, CONSENT_WORDING)),
      h("p", { class: "hint" }, "Wording ", h("span", { testid: "consent-wording-version" }, CONSENT_WORDING_VERSION), ". Leave it unticked to sign without being contacted.")
    ),
    emailField,
    submit
  )
  const next = h("button", { testid: "next-signer", class: "primary", type: "button" }, "Next signer")
  const thanks = h(
    "div",
    { testid: "sign-thanks", class: "stack card thanks", hidden: true },
    h("p", { class: "big" }, "Thank you! Your signature is saved."),
    h("p", {}, "Please hand the phone back."),
    next
  )
  const back = h("button", { testid: "back-home", class: "secondary", type: "button" }, "← Home")
  back.addEventListener("click", () => ctx.navigate("#/home"))

  const body = h(
    "div",
    { class: "stack", hidden: true },
    h("details", { class: "text-box", open: true }, h("summary", {}, "Petition text"), text),
    h("p", { class: "total-line" }, count, " signatures"),
    closed,
    form,
    thanks
  )
  const el = h("section", { testid: "screen-petition", class: "screen" }, title, loading, body, message, h("div", { class: "row nav" }, back))

  const doc = (): AnyDoc | undefined => ctx.sync.doc(id)

  /** Empties every field of the previous signer. */
  const clear = () => {
    for (const input of [name, postcode, town, email]) input.value = ""
    consent.checked = false
    emailField.hidden = true
  }

  form.addEventListener("submit", event => {
    event.preventDefault()
    const handle = ctx.sync.handle(id)
    const d = doc()
    if (!handle || !d) return
    try {
      if (!ctx.canWrite) throw new Error("Observers cannot record.")
      const at = Date.now()
      const signature = {
        id: uuidv7(at),
        name: name.value,
        postcode: postcode.value,
        town: town.value,
        email: consent.checked ? email.value : "",
        at,
        collector: ctx.me.member_id,
      }
      checkSignature(d, signature)
      const consented = consent.checked
      // One record, one change: the signature, then (only if the box was ticked) its consent.
      handle.change(x => sign(x, signature))
      if (consented) {
        handle.change(x => recordConsent(x, { id: uuidv7(at), signature: signature.id, at, collector: ctx.me.member_id }))
      }
      clear()
      form.hidden = true
      thanks.hidden = false
      next.focus()
      update()
    } catch (e) {
      flash(message, (e as Error).message, "error")
    }
  })

  next.addEventListener("click", () => {
    clear()
    message.hidden = true
    thanks.hidden = true
    form.hidden = false
    name.focus()
  })

  function update() {
    const d = doc()
    show(loading, !d)
    show(body, !!d)
    if (!d) return
    const p = petition(d)
    setText(title, p.title)
    setText(text, p.text)
    setText(count, p.signatures)
    const isClosed = p.deadline !== undefined && Date.now() > p.deadline
    show(closed, isClosed)
    submit.disabled = isClosed || !ctx.canWrite
  }

  ctx.sync.open(id).then(update, () => undefined)
  update()
  return { el, update }
}
