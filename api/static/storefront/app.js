// The storefront: a client-side router over the pages the service answers with this same HTML
// (/, /products/<id>, /cart, /orders), the search box, the cart count and the sign-in dialog.

import { currentCustomer, signInAsDemoCustomer, signOut, useToken } from "./account.js";
import { cartLines } from "./cart.js";
import { announce, h } from "./dom.js";
import { cartView, ordersView } from "./orders.js";
import { productView } from "./product.js";
import { searchView } from "./search.js";
import { attachSuggestions } from "./suggest.js";

const main = document.getElementById("main");
const searchInput = document.getElementById("search-input");

function navigate(url) {
  history.pushState(null, "", url);
  route({ focusMain: false });
}

let currentRoute = 0;

/** Draws the page for the URL. Only the newest navigation's page is shown: a slower, older one is dropped. */
async function route({ focusMain = true } = {}) {
  const generation = ++currentRoute;
  main.setAttribute("aria-busy", "true");
  let page;
  try {
    page = await view(window.location.pathname, new URLSearchParams(window.location.search));
  } catch (error) {
    page = h("div", {}, h("h1", {}, "Something went wrong"), h("p", { class: "error", role: "alert" }, error.message));
  }
  if (generation !== currentRoute) return;
  const focused = document.activeElement?.id;
  main.replaceChildren(page);
  main.removeAttribute("aria-busy");
  if (focusMain) main.focus();
  else if (focused) document.getElementById(focused)?.focus(); // the control just used, drawn anew
  if (page.dataset.announce) announce(page.dataset.announce);
}

function view(pathname, params) {
  if (pathname.startsWith("/products/")) return productView(decodeURIComponent(pathname.slice("/products/".length)));
  if (pathname === "/cart") return cartView(navigate, openSignIn, () => route({ focusMain: false }));
  if (pathname === "/orders") return ordersView(params, openSignIn);
  document.title = "Storefront · catalog-service";
  searchInput.value = params.get("q") || "";
  return searchView(params, navigate);
}

// Same-origin links marked data-link change the page without a reload.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  history.pushState(null, "", link.getAttribute("href"));
  route();
});
window.addEventListener("popstate", () => route());

attachSuggestions(searchInput, document.getElementById("suggestions"), {
  onPick: (suggestion) => { navigate(`/products/${encodeURIComponent(suggestion.productId)}`); main.focus(); },
  onSearch: (text) => navigate(text ? `/?${new URLSearchParams({ q: text })}` : "/"),
});

function showCartCount() {
  const count = cartLines().reduce((sum, line) => sum + line.quantity, 0);
  document.getElementById("cart-count").textContent = String(count);
  document.getElementById("cart-link").setAttribute("aria-label", `Cart, ${count} items`);
}
document.addEventListener("cart-changed", showCartCount);

// Signing in: the demo customer's token where the service offers one, or a pasted customer token.
const dialog = document.getElementById("sign-in-dialog");
const signInButton = document.getElementById("sign-in-button");
const demoError = document.getElementById("demo-sign-in-error");

function showAccount() {
  const customer = currentCustomer();
  signInButton.textContent = customer ? `Sign out (${customer.customerId})` : "Sign in";
}

function openSignIn() {
  demoError.hidden = true;
  dialog.showModal();
}

function signedIn() {
  dialog.close();
  showAccount();
  route({ focusMain: false });
}

signInButton.addEventListener("click", () => {
  if (currentCustomer()) {
    signOut();
    showAccount();
    route({ focusMain: false });
  } else {
    openSignIn();
  }
});
document.getElementById("demo-sign-in").addEventListener("click", async () => {
  if (await signInAsDemoCustomer()) {
    signedIn();
  } else {
    demoError.textContent = "This server offers no demo customer (it runs without --demo, or with a configured "
      + "secret). Paste a customer token instead.";
    demoError.hidden = false;
  }
});
document.getElementById("use-token").addEventListener("click", () => {
  try {
    useToken(document.getElementById("token-input").value);
    signedIn();
  } catch (error) {
    demoError.textContent = error.message;
    demoError.hidden = false;
  }
});

showCartCount();
showAccount();
route({ focusMain: false });
