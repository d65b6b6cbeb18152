/**
 * A change of this phone that the server refused, and the way out of it.
 *
 * The server checks every change against core's record rules; one it refuses stays in this
 * phone's copy, and every later change of the copy depends on it, so the server would refuse
 * them all and the phone would never sync that document again. The phone cannot run core's
 * rebuild (`rules::rebase`), so it sends its copy to `POST /api/documents/<id>/rebuild` and the
 * server answers the copy rebuilt on its own: the server's records plus every record of this
 * phone that keeps the rules, written again, and the records left out with the rule each
 * breaks. `src/sync.ts` keeps the refused copy aside and replaces the document with the
 * answer; the phone tells its user what happened.
 *
 * The refusal's text is the protocol's (`sync-protocol/src/refusal.rs`): `document <id>: the
 * server refused a change: <what and why>`; the conformance test checks this reading of it.
 */

const MARK = ": the server refused a change: "

export interface RefusedChange {
  document: string
  /** The record, the rule and what was wrong, as the server said it. */
  why: string
}

/** The document and the reason of a refused change, if `message` is one. */
export function parseRefusedChange(message: string): RefusedChange | undefined {
  const at = message.indexOf(MARK)
  if (at < 0) return undefined
  const head = message.slice(0, at)
  const document = head.slice(head.lastIndexOf("document ") + "document ".length).trim()
  if (head.lastIndexOf("document ") < 0 || !/^\w+$/.test(document)) return undefined
  return { document, why: message.slice(at + MARK.length) }
}

export interface DroppedRecord {
  path: string
  rule: string
  message: string
}

/** What the phone tells its user after a refusal. */
export interface RefusalReport extends RefusedChange {
  at: number
  /** Records written again on top of the server's copy (they are being sent). */
  kept: string[]
  /** Records of this phone left out, each with the rule it breaks. */
  dropped: DroppedRecord[]
  /** Why the copy could not be rebuilt, when it could not. */
  failed?: string
}

export interface Rebuilt {
  rebuilt: Uint8Array
  kept: string[]
  dropped: DroppedRecord[]
}

/** Asks the server to rebuild `copy` (this phone's saved copy of `document`). */
export async function requestRebuild(token: string, document: string, copy: Uint8Array): Promise<Rebuilt> {
  let response: Response
  try {
    response = await fetch(`/api/documents/${encodeURIComponent(document)}/rebuild`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: copy as BodyInit,
    })
  } catch {
    throw new Error("the server could not be reached to rebuild it; it is tried again on the next connection")
  }
  const answer = (await response.json().catch(() => ({}))) as {
    rebuilt?: string
    kept?: string[]
    dropped?: DroppedRecord[]
    message?: string
  }
  if (!response.ok || typeof answer.rebuilt !== "string") {
    throw new Error(answer.message ?? `the server answered ${response.status}`)
  }
  const rebuilt = Uint8Array.from(atob(answer.rebuilt), c => c.charCodeAt(0))
  return { rebuilt, kept: answer.kept ?? [], dropped: answer.dropped ?? [] }
}
