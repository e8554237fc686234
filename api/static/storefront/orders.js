// The cart page (/cart) places an order with the signed-in customer's token; the order history (/orders) reads
// `orders` with the consistencyToken that placeOrder returned, so the new order is there at once
// (read-your-writes) although the list is served from the search index.

import { orders as fetchOrders, placeOrder } from "./api.js";
import { currentCustomer } from "./account.js";
import { cartLines, cartTotal, clearCart, setQuantity } from "./cart.js";
import { h, money } from "./dom.js";

export function cartView(navigate, openSignIn, rerender) {
  const lines = cartLines();
  document.title = "Cart · Storefront";
  if (!lines.length) {
    return h("div", {}, h("h1", {}, "Your cart"), h("p", {}, "The cart is empty. ", h("a", { href: "/", "data-link": true }, "Find something")));
  }
  const customer = currentCustomer();
  const error = h("p", { class: "error", role: "alert" });
  // One key per checkout: pressing the button again after a lost answer cannot place a second order.
  const idempotencyKey = `cart-${randomHex(16)}`;
  const place = async (event) => {
    event.preventDefault();
    const button = event.submitter;
    button.disabled = true;
    try {
      const result = await placeOrder({
        customerId: customer.customerId,
        lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
        idempotencyKey,
      }, customer.token);
      if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("; "));
      clearCart();
      navigate(`/orders?${new URLSearchParams({ placed: result.aggregateId, consistencyToken: result.consistencyToken })}`);
    } catch (failure) {
      error.textContent = `The order was not placed: ${failure.message}`;
      button.disabled = false;
    }
  };
  return h("div", {},
    h("h1", {}, "Your cart"),
    h("table", { class: "cart" },
      h("thead", {}, h("tr", {}, ["Product", "Quantity", "Price"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, lines.map((line) => h("tr", {},
        h("td", {}, h("a", { href: `/products/${encodeURIComponent(line.productId)}`, "data-link": true }, line.name)),
        h("td", {}, quantityInput(line, rerender)),
        h("td", {}, money({ amount: String(Number(line.price.amount) * line.quantity), currency: line.price.currency }))))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: 2 }, "Total"), h("td", {}, money(cartTotal(lines)))))),
    customer
      ? h("form", { onSubmit: place }, h("button", { type: "submit", class: "primary" }, `Place order as ${customer.customerId}`))
      : h("p", {}, "Sign in to place the order. ", h("button", { type: "button", onClick: openSignIn }, "Sign in")),
    error);
}

// Not crypto.randomUUID(): it exists only in secure contexts, and a development server may be reached over
// plain http from another machine.
function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function quantityInput(line, rerender) {
  const id = `quantity-${line.sku}`;
  return [
    h("label", { for: id, class: "visually-hidden" }, `Quantity of ${line.name}`),
    h("input", {
      id, type: "number", min: 0, value: line.quantity, class: "quantity",
      onChange: (event) => { setQuantity(line.sku, Math.max(0, Number(event.target.value) || 0)); rerender(); },
    }),
  ];
}

export async function ordersView(params, openSignIn) {
  document.title = "Orders · Storefront";
  const customer = currentCustomer();
  if (!customer) {
    return h("div", {}, h("h1", {}, "Your orders"), h("p", {}, "Sign in to see your orders. ", h("button", { type: "button", onClick: openSignIn }, "Sign in")));
  }
  const connection = await fetchOrders(customer.token, params.get("consistencyToken"));
  const placed = params.get("placed");
  return h("div", {},
    h("h1", {}, `Orders of ${customer.customerId}`),
    placed ? h("p", { class: "notice", role: "status" }, "Thank you! Your order is placed.") : null,
    connection.edges.length
      ? h("ol", { class: "orders", "aria-label": "Orders" }, connection.edges.map(({ node }) => orderItem(node, node.id === placed)))
      : h("p", {}, "No orders yet."));
}

function orderItem(order, isNew) {
  const placedAt = new Date(order.placedAt).toLocaleString();
  return h("li", { class: `order${isNew ? " new" : ""}`, "data-order-id": order.id },
    h("h2", {}, h("span", { class: `status ${order.status.toLowerCase()}` }, order.status), ` ${money(order.total)}`,
      h("small", {}, ` placed ${placedAt}`)),
    h("ul", {}, order.lines.map((line) => h("li", {},
      `${line.quantity} × `, h("a", { href: `/products/${encodeURIComponent(line.productId)}`, "data-link": true }, line.productName),
      ` (${line.sku}) ${money(line.lineTotal)}`))));
}
