// Building the page from data without ever parsing data as markup. Everything that comes from events
// (names, notes, attributes, titles) reaches the page through text nodes; there is no innerHTML here.

/**
 * Creates an element. Props: className, dataset, hidden, title, type, value, on<Event> handlers, and
 * any other attribute (set with setAttribute, so never as markup). Children: nodes, or strings and
 * numbers that become text nodes; null and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content with the given children (text or nodes). */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export const byId = (id) => document.getElementById(id);

/** Sets an element's text, for values that come from data. */
export function setText(element, value) {
  element.textContent = value ?? "";
}

/** One label and value of a description list (the card's and the alert's facts). */
export function fact(label, value) {
  return h("div", { className: "fact" }, h("dt", {}, label), h("dd", {}, value));
}
