// Who is signed in: a customer token (orders:place) kept for this tab only (sessionStorage), never in a cookie.

import { demoCustomerToken } from "./api.js";

const KEY = "storefront.customerToken";

function claims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload));
  } catch {
    return null;
  }
}

/** {token, customerId, expiresAt} of a usable token, or null. */
export function currentCustomer() {
  const token = sessionStorage.getItem(KEY);
  const claimed = token && claims(token);
  if (!claimed || !claimed.sub || claimed.exp * 1000 <= Date.now()) return null;
  return { token, customerId: claimed.sub, expiresAt: new Date(claimed.exp * 1000) };
}

export function useToken(token) {
  const trimmed = token.trim().replace(/^Bearer\s+/i, "");
  if (!claims(trimmed)?.sub) throw new Error("This does not look like a token: paste the output of `catalog token`.");
  sessionStorage.setItem(KEY, trimmed);
}

export async function signInAsDemoCustomer() {
  const minted = await demoCustomerToken();
  if (minted === null) return false;
  useToken(minted.token);
  return true;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
