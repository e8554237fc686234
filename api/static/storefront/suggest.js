// Search as you type: the search box is an ARIA combobox whose listbox shows `suggestProducts` for the words
// typed so far. Arrow keys move through the suggestions, Enter opens the highlighted product (or searches for
// the text), Escape closes the list.

import { suggestProducts } from "./api.js";
import { h } from "./dom.js";

const DELAY_MS = 150;

export function attachSuggestions(input, list, { onPick, onSearch }) {
  let timer = 0;
  let latest = 0;
  let options = [];
  let shown = [];
  let active = -1;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    else input.removeAttribute("aria-activedescendant");
  };

  const show = (suggestions) => {
    shown = suggestions;
    options = suggestions.map((suggestion, index) => h("li", {
      id: `suggestion-${index}`, role: "option", "aria-selected": "false",
      onMousedown: (event) => { event.preventDefault(); close(); onPick(suggestion); },
    }, suggestion.name));
    list.replaceChildren(...options);
    list.hidden = options.length === 0;
    input.setAttribute("aria-expanded", String(options.length > 0));
    active = -1;
  };

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const prefix = input.value.trim();
    if (!prefix) { close(); return; }
    timer = window.setTimeout(async () => {
      const request = ++latest;
      try {
        const suggestions = await suggestProducts(prefix);
        if (request === latest && input.value.trim() === prefix) show(suggestions);
      } catch {
        close(); // suggestions are a convenience: searching still works
      }
    }, DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
      event.preventDefault();
      const picked = shown[active];
      close();
      onPick(picked);
    }
  });

  input.addEventListener("blur", () => window.setTimeout(close, 100));
  input.form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(timer);
    latest += 1;
    close();
    onSearch(input.value.trim());
  });

  return { close };
}
