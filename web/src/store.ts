/**
 * What the app keeps in localStorage (small, synchronous, survives reloads): the membership
 * from `POST /api/join`, the server's storage id, the heads the server last confirmed per
 * document, and the documents made on this phone. The records themselves live in IndexedDB,
 * through automerge-repo's storage adapter.
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
}

const MEMBERSHIP = "clubsync.membership"
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

export const membership = {
  get: (): Membership | undefined => read<Membership>(MEMBERSHIP),
  set: (m: Membership) => write(MEMBERSHIP, m),
}

export const serverStorageId = {
  get: (): string | undefined => read<string>(SERVER_STORAGE),
  set: (id: string) => write(SERVER_STORAGE, id),
}

/** The heads (hex change hashes) the server last said it holds, per document id. */
export const confirmedHeads = {
  get: (docId: string): string[] | undefined => read<string[]>(CONFIRMED + docId),
  set: (docId: string, heads: string[]) => write(CONFIRMED + docId, heads),
}

/** Documents created on this phone: listed at home even before the club's index has them. */
export interface LocalDocument {
  id: string
  kind: string
  title: string
}

export const localDocuments = {
  all: (): LocalDocument[] => read<LocalDocument[]>(LOCAL_DOCS) ?? [],
  add: (d: LocalDocument) => write(LOCAL_DOCS, [...localDocuments.all().filter(x => x.id !== d.id), d]),
}
