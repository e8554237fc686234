// Product pictures. The catalog model has no images yet (issue 16 adds `images { url alt }` to Product): until
// then each product gets a generated placeholder, an SVG data URI drawn from its brand and category, so nothing
// is fetched from anywhere. When images exist, add them to the queries in api.js and return the first here.

const PALETTE = ["#e8d5b7", "#c9dbc8", "#cdd5e8", "#ead0d7", "#d9d2e9", "#f1e3c6", "#cfe5e3", "#e5dccf"];

function hash(text) {
  let value = 0;
  for (const character of text) value = (value * 31 + character.charCodeAt(0)) >>> 0;
  return value;
}

export function imageFor(product) {
  const category = (product.categoryPath || []).at(-1) || "Product";
  const colour = PALETTE[hash(`${product.brand}/${category}`) % PALETTE.length];
  const initials = category.split(/\s+/).map((word) => word[0]).join("").slice(0, 2).toUpperCase();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 120">` +
    `<rect width="160" height="120" fill="${colour}"/>` +
    `<text x="80" y="72" font-family="sans-serif" font-size="36" text-anchor="middle" fill="#4a4a4a">` +
    `${initials.replace(/[^A-Z]/g, "")}</text></svg>`;
  return { url: `data:image/svg+xml,${encodeURIComponent(svg)}`, alt: "" };
}
