/**
 * The one websocket to the server's `/sync`, as an automerge-repo network adapter. It speaks the
 * protocol of the stock `WebSocketClientAdapter` (a "join" with this peer's id and storage id,
 * the server's "peer" answer, then CBOR messages both ways) but dials as a phone should:
 *
 * - while the browser says it has no network (`navigator.onLine` false) it does not dial at all,
 *   so an offline phone does not fill its console with failed connections;
 * - on the `online` event it dials at once;
 * - when a dial fails or the connection drops while online (the server is down or restarting),
 *   it retries after about 1 s, doubling up to 30 s, each wait jittered so that a club's phones
 *   do not all come back at the same instant; a completed handshake starts again from 1 s.
 *
 * (The stock adapter retries at a fixed interval whatever the network, and after one
 * disconnect/connect cycle it stops retrying at all.)
 */
import { cbor, NetworkAdapter, type Message, type PeerId, type PeerMetadata } from "@automerge/automerge-repo"

/** The first wait before dialling again, and the longest. */
export const FIRST_RETRY_MS = 1000
export const LAST_RETRY_MS = 30_000
/** Each wait is its nominal value times a random factor in [1 - JITTER, 1 + JITTER]. */
const JITTER = 0.2
/** The websocket protocol version both ends speak. */
const PROTOCOL_V1 = "1"
/** `WebSocket.OPEN`. */
const OPEN = 1

/** CBOR, as a plain ArrayBuffer (what every WebSocket implementation takes). */
function encode(message: unknown): ArrayBuffer {
  const bytes: Uint8Array = cbor.encode(message)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** How long to wait before dial number `attempt + 1` after `attempt` failures in a row. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const nominal = FIRST_RETRY_MS * 2 ** Math.min(attempt, 16)
  const jittered = nominal * (1 - JITTER + 2 * JITTER * random())
  return Math.round(Math.min(LAST_RETRY_MS, jittered))
}

/** A message from the server: its "peer" answer to our "join", an error, or a repo message. */
type FromServer =
  | { type: "peer"; senderId: PeerId; peerMetadata?: PeerMetadata }
  | { type: "error"; message?: string }
  | Message

export class ServerSocket extends NetworkAdapter {
  /** The address to dial, read at each dial (the device token in it may have been swapped). */
  readonly #url: () => string
  #socket: WebSocket | undefined
  #serverPeer: PeerId | undefined
  #retry: ReturnType<typeof setTimeout> | undefined
  /** Dials since the last completed handshake. */
  #failures = 0
  /** Between the repo's `connect` and `disconnect`. */
  #running = false
  #ready = false
  /** While above zero, no dialling (a document is being rebuilt after a refusal). */
  #held = 0
  /** Called with the text of every `error` the server sends before it closes. */
  onServerError: (message: string) => void = () => undefined
  /** Called whenever the socket closes or a dial fails (the server may have refused this phone). */
  onClosed: () => void = () => undefined
  #resolveReady: () => void = () => undefined
  readonly #whenReady = new Promise<void>(resolve => {
    this.#resolveReady = resolve
  })

  constructor(url: () => string) {
    super()
    this.#url = url
    window.addEventListener("offline", () => this.#hangUp())
    window.addEventListener("online", () => {
      this.#failures = 0
      this.#dial()
    })
  }

  isReady(): boolean {
    return this.#ready
  }

  whenReady(): Promise<void> {
    return this.#whenReady
  }

  /** True while the server has answered our "join" on an open socket. */
  get connected(): boolean {
    return this.#serverPeer !== undefined
  }

  /** Called by the repo once it knows its peer id and storage id. */
  connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.peerId = peerId
    this.peerMetadata = peerMetadata ?? {}
    this.#running = true
    // The repo waits for its network before it calls a document unavailable: with no network
    // there is nothing to wait for; online, the server gets a second to answer (as with the
    // stock adapter).
    if (!navigator.onLine) this.#markReady()
    else setTimeout(() => this.#markReady(), 1000)
    this.#dial()
  }

  /** Called by the repo when it shuts down: closes the socket and stops dialling. */
  disconnect(): void {
    this.#running = false
    this.#hangUp()
  }

  send(message: Message): void {
    const socket = this.#socket
    // The repo sends only to a peer it was told about; a message racing a close is dropped,
    // and the sync starts over with the next connection.
    if (!socket || socket.readyState !== OPEN) return
    if ("data" in message && message.data?.byteLength === 0) throw new Error("refusing to send a zero-length message")
    socket.send(encode(message))
  }

  #markReady(): void {
    if (this.#ready) return
    this.#ready = true
    this.#resolveReady()
  }

  /** Hangs up and dials no more until `release`: nothing syncs while a copy is replaced. */
  hold(): void {
    this.#held += 1
    this.#hangUp()
  }

  release(): void {
    this.#held = Math.max(0, this.#held - 1)
    if (this.#held > 0) return
    this.#failures = 0
    this.#dial()
  }

  #dial(): void {
    this.#cancelRetry()
    if (!this.#running || this.#held > 0 || this.#socket || !navigator.onLine || !this.peerId) return
    const socket = new WebSocket(this.#url())
    socket.binaryType = "arraybuffer"
    socket.addEventListener("open", () => {
      if (socket !== this.#socket || !this.peerId) return
      const join = {
        type: "join",
        senderId: this.peerId,
        peerMetadata: this.peerMetadata ?? {},
        supportedProtocolVersions: [PROTOCOL_V1],
      }
      socket.send(encode(join))
    })
    socket.addEventListener("message", event => this.#receive(socket, event.data))
    // A failed dial fires "error" then "close"; the browser already says why in the console.
    socket.addEventListener("close", () => {
      if (socket !== this.#socket) return
      this.#socket = undefined
      this.#lostServer()
      this.#markReady()
      this.#scheduleRetry()
      this.onClosed()
    })
    this.#socket = socket
  }

  #scheduleRetry(): void {
    if (!this.#running || this.#held > 0 || !navigator.onLine || this.#retry !== undefined) return
    const wait = retryDelay(this.#failures)
    this.#failures += 1
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.#dial()
    }, wait)
  }

  #cancelRetry(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry)
    this.#retry = undefined
  }

  /** Closes the socket without dialling again (offline, or the repo shut down). */
  #hangUp(): void {
    this.#cancelRetry()
    const socket = this.#socket
    this.#socket = undefined
    // Its close event no longer concerns us: it is not `#socket` any more.
    if (socket && socket.readyState <= OPEN) socket.close()
    this.#lostServer()
  }

  #lostServer(): void {
    const peer = this.#serverPeer
    this.#serverPeer = undefined
    if (peer) this.emit("peer-disconnected", { peerId: peer })
  }

  #receive(socket: WebSocket, data: unknown): void {
    if (socket !== this.#socket || !(data instanceof ArrayBuffer) || data.byteLength === 0) return
    let message: FromServer
    try {
      message = cbor.decode(new Uint8Array(data)) as FromServer
    } catch {
      return
    }
    if (message.type === "peer") {
      const peer = (message as { senderId: PeerId }).senderId
      const metadata = (message as { peerMetadata?: PeerMetadata }).peerMetadata ?? {}
      this.#failures = 0
      this.#serverPeer = peer
      this.#markReady()
      this.emit("peer-candidate", { peerId: peer, peerMetadata: metadata })
    } else if (message.type === "error") {
      const text = (message as { message?: string }).message ?? "(no reason)"
      console.warn(`the server refused the connection: ${text}`)
      this.onServerError(text)
    } else {
      this.emit("message", message as Message)
    }
  }
}
