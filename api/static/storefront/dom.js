// A tiny element builder: text always goes in as text nodes, never as HTML, so data from the API cannot
// inject markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function money({ amount, currency }) {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
}

const announcer = () => document.getElementById("announcer");

/** Says `message` to screen readers (the page's polite live region). */
export function announce(message) {
  announcer().textContent = "";
  window.setTimeout(() => { announcer().textContent = message; }, 50);
}
