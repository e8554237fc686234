// The product page (/products/<id>): `product(id)`, its stock, and adding it to the cart.

import { product as fetchProduct } from "./api.js";
import { addToCart } from "./cart.js";
import { announce, h, money } from "./dom.js";
import { imageFor } from "./images.js";
import { stockBadge } from "./search.js";

export async function productView(id) {
  const found = await fetchProduct(id);
  if (!found) {
    return h("div", {}, h("h1", {}, "Product not found"), h("p", {}, h("a", { href: "/", "data-link": true }, "Back to the shop")));
  }
  document.title = `${found.name} · Storefront`;
  return productPage(found);
}

function productPage(product) {
  const image = imageFor(product);
  const soldOut = !product.inStock || product.stock.available <= 0;
  const quantity = h("input", {
    id: "quantity", type: "number", min: 1, max: Math.max(1, product.stock.available), value: 1, inputmode: "numeric",
  });
  const add = (event) => {
    event.preventDefault();
    const wanted = Math.max(1, Math.min(Number(quantity.value) || 1, product.stock.available));
    addToCart(product, wanted);
    announce(`Added ${wanted} × ${product.name} to the cart`);
    status.textContent = `Added ${wanted} to the cart.`;
  };
  const status = h("p", { class: "added", role: "status" });
  return h("article", { class: "product-page" },
    h("nav", { "aria-label": "Breadcrumb" }, h("ol", { class: "trail" }, breadcrumb(product.categoryPath))),
    h("div", { class: "product-main" },
      h("img", { src: image.url, alt: image.alt, width: 480, height: 360 }),
      h("div", { class: "product-info" },
        h("h1", {}, product.name),
        h("p", { class: "maker" }, product.brand),
        h("p", { class: "price big" }, money(product.price)),
        stockBadge(product),
        product.status === "DISCONTINUED" ? h("p", { class: "stock out" }, "Discontinued") : null,
        h("form", { class: "buy", onSubmit: add },
          h("label", { for: "quantity" }, "Quantity"), quantity,
          h("button", { type: "submit", disabled: soldOut || product.status !== "ACTIVE" }, "Add to cart")),
        status,
        h("p", { class: "description" }, product.description || ""),
        h("table", { class: "attributes" },
          h("caption", {}, "Details"),
          h("tbody", {},
            h("tr", {}, h("th", { scope: "row" }, "SKU"), h("td", {}, product.sku)),
            h("tr", {}, h("th", { scope: "row" }, "Available"), h("td", {}, String(product.stock.available))),
            product.attributes.map(({ name, value }) => h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, value))))))));
}

function breadcrumb(path) {
  const items = [h("li", {}, h("a", { href: "/", "data-link": true }, "All"))];
  path.forEach((_, depth) => {
    const params = new URLSearchParams(path.slice(0, depth + 1).map((name) => ["cat", name]));
    items.push(h("li", {}, h("a", { href: `/?${params}`, "data-link": true }, path[depth])));
  });
  return items;
}
