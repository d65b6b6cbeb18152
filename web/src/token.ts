/**
 * Swapping this phone's device token for a new one when the server said to (`rotate_after`,
 * sent with every token: a week, or half-way through the server's token lifetime), so a token
 * copied off the phone stops working on its own.
 *
 * The server keeps the old token working until the new one is first used, so the order makes
 * a lost answer or a closed tab harmless: ask, save the new token, and the next connection uses
 * it (src/socket.ts reads the token at each dial). A phone that could not save it still holds
 * the old, working token and asks again later.
 */
import { membership } from "./store"

/** Swaps the token if it is due; true when it did. Never throws: offline, it waits. */
export async function swapTokenIfDue(now = Date.now()): Promise<boolean> {
  const me = membership.get()
  if (!me) return false
  if (typeof me.token_rotate_after === "number" && now < me.token_rotate_after) return false
  try {
    const response = await fetch("/api/device/token", {
      method: "POST",
      headers: { authorization: `Bearer ${me.token}` },
    })
    if (!response.ok) return false
    const body = (await response.json()) as { token?: unknown; rotate_after?: unknown; expires_at?: unknown }
    if (typeof body.token !== "string" || typeof body.rotate_after !== "number") return false
    // Only this membership's token changes, and only if it is still the one asked about.
    const current = membership.get()
    if (!current || current.device_id !== me.device_id) return false
    membership.set({
      ...current,
      token: body.token,
      token_rotate_after: body.rotate_after,
      token_expires_at: typeof body.expires_at === "number" ? body.expires_at : null,
    })
    return true
  } catch {
    return false
  }
}
