/**
 * Tiny DOM helpers of the dashboard: elements with classes, text and data attributes, never HTML strings.
 *
 * @module
 */

/** An element `tag` with `className`, text and `data-*` attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text = "",
  data: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className !== "") element.className = className;
  if (text !== "") element.textContent = text;
  for (const [key, value] of Object.entries(data)) element.dataset[key] = value;
  return element;
}

/** The element with id `id`. @throws Error when the page has none. */
export function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element;
}
