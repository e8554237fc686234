// The cart: lines kept for this tab (sessionStorage) until an order is placed with them.

const KEY = "storefront.cart";

export function cartLines() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || [];
  } catch {
    return [];
  }
}

function save(lines) {
  sessionStorage.setItem(KEY, JSON.stringify(lines));
  document.dispatchEvent(new CustomEvent("cart-changed"));
}

export function addToCart(product, quantity) {
  const lines = cartLines();
  const line = lines.find((existing) => existing.sku === product.sku);
  if (line) line.quantity += quantity;
  else lines.push({ sku: product.sku, productId: product.id, name: product.name, price: product.price, quantity });
  save(lines);
}

export function setQuantity(sku, quantity) {
  save(cartLines().map((line) => (line.sku === sku ? { ...line, quantity } : line)).filter((l) => l.quantity > 0));
}

export function clearCart() {
  save([]);
}

export function cartTotal(lines) {
  const cents = lines.reduce((sum, line) => sum + Math.round(Number(line.price.amount) * 100) * line.quantity, 0);
  return { amount: (cents / 100).toFixed(2), currency: lines[0]?.price.currency || "EUR" };
}
