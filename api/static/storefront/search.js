// The search page: results for the URL's query and filters, disjunctive facets, sort, cursor pagination.
// Everything the shopper chose lives in the URL (?q=&brand=&cat=&price=&attr=&sort=&after=&page=), so a result
// page can be bookmarked, shared, and left with the browser's back button.

import { searchProducts } from "./api.js";
import { announce, h, money } from "./dom.js";
import { imageFor } from "./images.js";

const PAGE_SIZE = 12;
const SORTS = [
  ["RELEVANCE", "Relevance"],
  ["PRICE_ASC", "Price: low to high"],
  ["PRICE_DESC", "Price: high to low"],
  ["NEWEST", "Newest"],
  ["NAME_ASC", "Name"],
];
const FILTER_KEYS = ["cat", "brand", "price", "attr"];

/** The filter the GraphQL API takes, from the URL's parameters. */
export function filterFrom(params) {
  const filter = {};
  const path = params.getAll("cat");
  if (path.length) filter.categoryPath = path;
  const brands = params.getAll("brand");
  if (brands.length) filter.brands = brands;
  const price = params.get("price");
  if (price) {
    const [min, max] = price.split("-");
    if (min) filter.priceMin = min;
    if (max) filter.priceMax = (Math.round(Number(max) * 100 - 1) / 100).toFixed(2); // buckets exclude their max
  }
  const attributes = new Map();
  for (const pair of params.getAll("attr")) {
    const at = pair.indexOf(":");
    const name = pair.slice(0, at);
    attributes.set(name, [...(attributes.get(name) || []), pair.slice(at + 1)]);
  }
  if (attributes.size) filter.attributes = [...attributes].map(([name, values]) => ({ name, values }));
  return filter;
}

/** The search page for the URL's parameters; its `data-announce` is what screen readers are told. */
export async function searchView(params, navigate) {
  let connection;
  try {
    connection = await searchProducts({
      query: params.get("q") || null,
      filter: filterFrom(params),
      sort: params.get("sort") || "RELEVANCE",
      first: PAGE_SIZE,
      after: params.get("after"),
    });
  } catch (error) {
    // A page's cursor is refused once it expired (a while after its page) or when it is not one: start again.
    if (!params.has("after") || error.errors?.[0]?.extensions?.field !== "after") throw error;
    const first = new URLSearchParams(params);
    first.delete("after");
    first.delete("page");
    history.replaceState(null, "", `/?${first}`);
    return searchView(first, navigate);
  }
  const page = searchPage(connection, params, navigate);
  page.dataset.announce = `${connection.totalCount} products`;
  return page;
}

function change(navigate, edit) {
  // From the URL, not from the parameters this page was drawn for: a newer page may be on its way.
  const next = new URLSearchParams(window.location.search);
  next.delete("after");
  next.delete("page");
  edit(next);
  navigate(`/?${next}`);
}

function toggle(params, key, value) {
  const values = params.getAll(key);
  params.delete(key);
  const kept = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
  for (const kept_value of kept) params.append(key, kept_value);
}

function searchPage(connection, params, navigate) {
  const query = params.get("q");
  const title = `${connection.totalCount.toLocaleString()} products${query ? ` for “${query}”` : ""}`;
  return h("div", { class: "search-layout" },
    filters(connection.facets, params, navigate),
    h("section", { class: "results", "aria-labelledby": "results-title" },
      h("div", { class: "results-bar" },
        h("h1", { id: "results-title" }, title),
        sortControl(params, navigate)),
      activeFilters(params, navigate),
      connection.edges.length
        ? h("ul", { class: "grid", "aria-label": "Products" }, connection.edges.map(({ node }) => card(node)))
        : h("p", { class: "empty" }, "No products match. Try fewer filters or other words."),
      pager(connection.pageInfo, params, navigate)));
}

function sortControl(params, navigate) {
  const select = h("select", {
    id: "sort", onChange: (event) => change(navigate, (next) => next.set("sort", event.target.value)),
  }, SORTS.map(([value, label]) => h("option", { value, selected: (params.get("sort") || "RELEVANCE") === value }, label)));
  return h("div", { class: "sort" }, h("label", { for: "sort" }, "Sort by"), select);
}

function activeFilters(params, navigate) {
  if (!FILTER_KEYS.some((key) => params.has(key))) return null;
  const clear = () => change(navigate, (next) => FILTER_KEYS.forEach((key) => next.delete(key)));
  return h("p", { class: "active-filters" }, h("button", { type: "button", class: "link", onClick: clear }, "Clear all filters"));
}

function card(product) {
  const image = imageFor(product);
  return h("li", { class: "card" },
    h("a", { href: `/products/${encodeURIComponent(product.id)}`, "data-link": true },
      h("img", { src: image.url, alt: image.alt, width: 160, height: 120 }),
      h("span", { class: "name" }, product.name)),
    h("p", { class: "maker" }, product.brand),
    h("p", { class: "price" }, money(product.price)),
    stockBadge(product));
}

export function stockBadge(product) {
  const available = product.stock.available;
  if (!product.inStock || available <= 0) return h("p", { class: "stock out" }, "Sold out");
  if (available <= 5) return h("p", { class: "stock low" }, `Only ${available} left`);
  return h("p", { class: "stock in" }, "In stock");
}

function pager(pageInfo, params, navigate) {
  const page = Number(params.get("page") || 1);
  const first = page > 1 && h("button", {
    type: "button", onClick: () => change(navigate, () => {}),
  }, "← First page");
  const next = pageInfo.hasNextPage && h("button", {
    type: "button",
    onClick: () => {
      const following = new URLSearchParams(window.location.search);
      following.set("after", pageInfo.endCursor);
      following.set("page", String(page + 1));
      navigate(`/?${following}`);
    },
  }, "Next page →");
  return h("nav", { class: "pager", "aria-label": "Pages" }, first, h("span", { "aria-current": "page" }, `Page ${page}`), next);
}

function filters(facets, params, navigate) {
  const panel = h("details", { class: "filters", open: window.matchMedia("(min-width: 720px)").matches },
    h("summary", {}, "Filters"),
    categoryFacet(facets.categories, params, navigate),
    checkboxFacet("Brand", "brand", facets.brands, params, navigate, (value) => value),
    priceFacet(facets.priceRanges, params, navigate),
    facets.attributes.map((attribute) => checkboxFacet(
      capitalised(attribute.name), "attr", attribute.values, params, navigate, (value) => `${attribute.name}:${value}`)));
  return panel;
}

function categoryFacet(children, params, navigate) {
  const path = params.getAll("cat");
  const goTo = (depth) => change(navigate, (next) => {
    next.delete("cat");
    path.slice(0, depth).forEach((name) => next.append("cat", name));
  });
  const trail = [h("li", {}, h("button", { type: "button", class: "link", onClick: () => goTo(0) }, "All categories"))];
  path.forEach((name, depth) => trail.push(h("li", {},
    depth === path.length - 1
      ? h("span", { "aria-current": "true" }, name)
      : h("button", { type: "button", class: "link", onClick: () => goTo(depth + 1) }, name))));
  const drill = (name) => change(navigate, (next) => next.append("cat", name));
  return h("section", { class: "facet", "aria-labelledby": "facet-category" },
    h("h2", { id: "facet-category" }, "Category"),
    h("ol", { class: "trail", "aria-label": "Selected category" }, trail),
    h("ul", { class: "children" }, children.map(({ value, count }) => h("li", {},
      h("button", { type: "button", class: "link", onClick: () => drill(value) }, value,
        h("span", { class: "count" }, ` (${count})`))))));
}

function checkboxFacet(title, key, values, params, navigate, keyFor) {
  const selected = params.getAll(key);
  return h("fieldset", { class: "facet", "data-facet": title.toLowerCase() },
    h("legend", {}, title),
    h("ul", {}, values.map(({ value, count }) => {
      const id = `facet-${key}-${slug(keyFor(value))}`;
      return h("li", {},
        h("input", {
          type: "checkbox", id, checked: selected.includes(keyFor(value)),
          onChange: () => change(navigate, (next) => toggle(next, key, keyFor(value))),
        }),
        h("label", { for: id, "data-value": value }, value, " ", h("span", { class: "count" }, `(${count})`)));
    })));
}

function priceFacet(ranges, params, navigate) {
  const chosen = params.get("price") || "";
  const option = (key, label, count) => {
    const id = `facet-price-${slug(key || "any")}`;
    return h("li", {},
      h("input", {
        type: "radio", name: "price", id, checked: chosen === key, disabled: count === 0,
        onChange: () => change(navigate, (next) => (key ? next.set("price", key) : next.delete("price"))),
      }),
      h("label", { for: id }, label, count === null ? null : h("span", { class: "count" }, ` (${count})`)));
  };
  return h("fieldset", { class: "facet", "data-facet": "price" },
    h("legend", {}, "Price"),
    h("ul", {}, option("", "Any price", null),
      ranges.map(({ min, max, count }) => option(`${min ?? ""}-${max ?? ""}`, rangeLabel(min, max), count))));
}

function rangeLabel(min, max) {
  const euros = (amount) => money({ amount, currency: "EUR" }).replace(/[.,]00(?!\d)/, "");
  if (min === null) return `Under ${euros(max)}`;
  if (max === null) return `${euros(min)} and up`;
  return `${euros(min)} – ${euros(max)}`;
}

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
