/**
 * Join a club with an invite code (typed, or from a `/app/#join=CODE` link).
 *
 * A phone that is already a member and opens a join link would replace its membership (and
 * its store of records). While it holds records the server does not have yet, that would
 * leave them behind on the phone, so the screen says so and refuses until they are saved; the
 * user can keep their current club instead.
 */
import type { Screen } from "../app"
import { h, field, setText } from "../ui"
import type { Membership } from "../store"
import type { SyncStatus } from "../sync"

/** What the screen needs to know of the membership a join would replace. */
export interface CurrentMembership {
  club: () => string
  /** True once the club's records held on this phone are loaded and counted. */
  counted: () => boolean
  status: () => SyncStatus
  keep: () => void
}

export function joinScreen(prefill: string, onJoined: (m: Membership) => void, current?: CurrentMembership): Screen {
  const code = h("input", {
    testid: "join-code",
    value: prefill,
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    placeholder: "K7QM-X2PA-9FTR-WXYZ3",
    required: true,
  })
  const name = h("input", {
    testid: "join-device-name",
    value: localStorage.getItem("clubsync.device-name") ?? "",
    autocomplete: "off",
    placeholder: "Min-ji's phone",
    required: true,
  })
  const error = h("p", { testid: "join-error", class: "error", role: "alert", hidden: true })
  const submit = h("button", { testid: "join-submit", class: "primary", type: "submit" }, "Join the club")
  const heldText = h("p", { testid: "join-unsynced-text" })
  const keep = h("button", { testid: "join-keep", class: "secondary", type: "button" }, "Keep my current club")
  const held = h("div", { testid: "join-unsynced", class: "error refusal", role: "alert", hidden: !current }, heldText, keep)
  keep.addEventListener("click", () => current?.keep())

  /** Why joining must wait, or undefined when it may go ahead. */
  const blocked = (): string | undefined => {
    if (!current) return undefined
    const { pending, loading } = current.status()
    if (pending > 0) {
      const records = pending === 1 ? "1 record" : `${pending} records`
      return `This phone holds ${records} of ${current.club()} that the server does not have yet. Joining another club now would leave them behind: connect, wait for "All saved on the server", then open the link again.`
    }
    if (loading > 0 || !current.counted()) return `Checking this phone's records of ${current.club()}…`
    return undefined
  }

  const form = h(
    "form",
    { class: "stack" },
    field("Invite code", code, "From your coordinator: a code or a link."),
    field("Name of this phone", name, "Coordinators see it in the list of devices."),
    error,
    submit
  )
  form.addEventListener("submit", async event => {
    event.preventDefault()
    error.hidden = true
    if (blocked()) return update()
    const invite = code.value.trim()
    const device_name = name.value.trim()
    if (!invite || !device_name) {
      error.textContent = !invite ? "Type the invite code." : "Give this phone a name."
      error.hidden = false
      return
    }
    submit.disabled = true
    submit.textContent = "Joining…"
    try {
      const response = await fetch("/api/join", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ invite, device_name }),
      })
      const body = await response.json().catch(() => ({}))
      if (!response.ok) {
        throw new Error(body?.message ?? `The server refused (${response.status}).`)
      }
      localStorage.setItem("clubsync.device-name", device_name)
      onJoined({ ...(body as Omit<Membership, "device_name">), device_name })
    } catch (e) {
      const offline = e instanceof TypeError || !navigator.onLine
      error.textContent = offline
        ? "Cannot reach the server. Joining needs a connection once; try again with signal."
        : (e as Error).message
      error.hidden = false
    } finally {
      submit.disabled = false
      submit.textContent = "Join the club"
      update()
    }
  })

  function update(): void {
    if (!current) return
    const why = blocked()
    setText(heldText, why ?? `This phone is a member of ${current.club()}: joining another club replaces that membership.`)
    held.hidden = false
    submit.disabled = why !== undefined
  }
  update()

  const el = h(
    "section",
    { testid: "screen-join", class: "screen" },
    h("h1", {}, "Join your club"),
    h("p", { class: "lead" }, "Record collection tins and petition signatures, even with no signal."),
    held,
    form
  )
  return { el, update }
}
