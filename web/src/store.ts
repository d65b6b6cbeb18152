/**
 * What the app keeps in localStorage (small, synchronous, survives reloads): the membership
 * from `POST /api/join`, the server's storage id, the heads the server last confirmed per
 * document, and the documents made on this phone. The records themselves live in IndexedDB,
 * through automerge-repo's storage adapter, in a database of the membership's device.
 *
 * What belongs to a membership (confirmed heads, documents made) is kept under its device's id
 * (`scopeTo`): a phone that joins another club does not list the first club's documents, and
 * keeps them apart should it be a member there again.
 */

/** The answer of `POST /api/join`, plus the name this device gave itself. */
export interface Membership {
  device_id: string
  token: string
  club_id: string
  role: string
  club_document: string
  member_id: string
  member_name: string
  device_name: string
  /** When to swap the token for a new one (ms since the epoch), as the server said. */
  token_rotate_after?: number | null
  /** When the token expires, on a server whose tokens do. */
  token_expires_at?: number | null
  /** The club's name, once its club document reached this phone (to list the clubs). */
  club_name?: string
}

const MEMBERSHIP = "clubsync.membership"
const MEMBERSHIPS = "clubsync.memberships"
const SERVER_STORAGE = "clubsync.server-storage-id"
const CONFIRMED = "clubsync.confirmed."
const LOCAL_DOCS = "clubsync.local-documents"

function read<T>(key: string): T | undefined {
  try {
    const text = localStorage.getItem(key)
    return text === null ? undefined : (JSON.parse(text) as T)
  } catch {
    return undefined
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value))
  } catch {
    // A full or disabled localStorage only loses advisory state; the records are in IndexedDB.
  }
}

/** The membership the app shows now (one of `memberships`). */
export const membership = {
  get: (): Membership | undefined => read<Membership>(MEMBERSHIP),
  /** Sets the current membership, and keeps the list of this phone's memberships up to date. */
  set: (m: Membership) => {
    write(MEMBERSHIP, m)
    write(MEMBERSHIPS, [...memberships.all().filter(x => x.device_id !== m.device_id), m])
  },
}

/**
 * Every club this phone joined (each membership has its own device, token and IndexedDB
 * database); the app runs one at a time and switches from the home screen.
 */
export const memberships = {
  all: (): Membership[] => {
    const list = read<Membership[]>(MEMBERSHIPS)
    if (list) return list
    const current = membership.get()
    return current ? [current] : []
  },
  /** Makes `deviceId`'s membership the current one. */
  switchTo: (deviceId: string): boolean => {
    const m = memberships.all().find(x => x.device_id === deviceId)
    if (m) write(MEMBERSHIP, m)
    return m !== undefined
  },
  /** Forgets a membership; another becomes current if it was. */
  remove: (deviceId: string) => {
    const rest = memberships.all().filter(x => x.device_id !== deviceId)
    write(MEMBERSHIPS, rest)
    if (membership.get()?.device_id === deviceId) {
      if (rest[0]) write(MEMBERSHIP, rest[0])
      else localStorage.removeItem(MEMBERSHIP)
    }
  },
}

/** The device whose records the keys below are about (set by `scopeTo`). */
let scope = ""

/**
 * Keeps what the keys below hold apart per membership (its device id). What an app before
 * this kept unscoped belonged to the membership it had then, which is the current one.
 */
export function scopeTo(m: Membership): void {
  scope = `${m.device_id}.`
  const unscoped = read<LocalDocument[]>(LOCAL_DOCS)
  if (unscoped && read<LocalDocument[]>(LOCAL_DOCS + "." + scope) === undefined) {
    write(LOCAL_DOCS + "." + scope, unscoped)
    localStorage.removeItem(LOCAL_DOCS)
  }
}

/** `key` kept apart for the current membership (its device), as the keys below are. */
export function scopedKey(key: string): string {
  return `${key}.${scope}`
}

export const serverStorageId = {
  get: (): string | undefined => read<string>(SERVER_STORAGE),
  set: (id: string) => write(SERVER_STORAGE, id),
}

/** The heads (hex change hashes) the server last said it holds, per document id. */
export const confirmedHeads = {
  get: (docId: string): string[] | undefined =>
    read<string[]>(CONFIRMED + scope + docId) ?? read<string[]>(CONFIRMED + docId),
  set: (docId: string, heads: string[]) => write(CONFIRMED + scope + docId, heads),
}

/** Documents created on this phone: listed at home even before the club's index has them. */
export interface LocalDocument {
  id: string
  kind: string
  title: string
}

export const localDocuments = {
  all: (): LocalDocument[] => read<LocalDocument[]>(LOCAL_DOCS + "." + scope) ?? [],
  add: (d: LocalDocument) =>
    write(LOCAL_DOCS + "." + scope, [...localDocuments.all().filter(x => x.id !== d.id), d]),
}
