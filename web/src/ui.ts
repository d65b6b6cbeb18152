/** A few DOM helpers: no framework, just elements. */

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>

/**
 * Makes an element. `attrs`: `on<event>` functions become listeners, `testid` becomes
 * `data-testid`, `false`/`null`/`undefined` values are left out, `true` sets an empty attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value as EventListener)
    } else if (key === "testid") {
      el.dataset.testid = String(value)
    } else if (key === "value" && "value" in el) {
      ;(el as HTMLInputElement).value = String(value)
    } else if (key === "checked" && el instanceof HTMLInputElement) {
      el.checked = Boolean(value)
    } else {
      el.setAttribute(key, value === true ? "" : String(value))
    }
  }
  append(el, ...children)
  return el
}

export function append(el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    el.append(child instanceof Node ? child : String(child))
  }
}

/** Replaces the children of `el`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, ...children)
}

/** Sets the text of an element only when it differs (keeps the DOM quiet for observers). */
export function setText(el: Element, text: string | number): void {
  const value = String(text)
  if (el.textContent !== value) el.textContent = value
}

/** Shows or hides an element. */
export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible
}

/** A labelled form field: the label wraps the input so the whole row is a touch target. */
export function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), input, hint ? h("span", { class: "hint" }, hint) : null)
}

/** A short message that fades after a few seconds (the latest replaces the previous). */
export function flash(el: HTMLElement, text: string, kind: "ok" | "error" = "ok"): void {
  el.textContent = text
  el.className = `flash ${kind}`
  el.hidden = false
  const token = String(Date.now() + Math.random())
  el.dataset.token = token
  if (kind === "ok") {
    setTimeout(() => {
      if (el.dataset.token === token) el.hidden = true
    }, 4000)
  }
}
