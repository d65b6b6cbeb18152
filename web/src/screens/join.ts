/** Join a club with an invite code (typed, or from a `/app/#join=CODE` link). */
import { h, field } from "../ui"
import type { Membership } from "../store"

export function joinScreen(prefill: string, onJoined: (m: Membership) => void): HTMLElement {
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
    }
  })

  return h(
    "section",
    { testid: "screen-join", class: "screen" },
    h("h1", {}, "Join your club"),
    h("p", { class: "lead" }, "Record collection tins and petition signatures, even with no signal."),
    form
  )
}
