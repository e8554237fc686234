// The storefront's only backend: POST /graphql, as any frontend would call it. Each function is one operation.

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((error) => error.message).join("; "));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code;
  }
}

async function graphql(query, variables = {}, token = null) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors) throw new GraphQLError(body.errors);
  return body.data;
}

const CARD_FIELDS = "id sku name brand categoryPath price { amount currency } inStock stock { available }";

const SEARCH = `
query Search($query: String, $filter: ProductFilter, $sort: ProductSort, $first: Int, $after: String) {
  searchProducts(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ${CARD_FIELDS} } }
    facets {
      categories { value count }
      brands { value count }
      priceRanges { min max count }
      attributes { name values { value count } }
    }
  }
}`;

export async function searchProducts(variables) {
  return (await graphql(SEARCH, variables)).searchProducts;
}

const SUGGEST = `query Suggest($prefix: String!) { suggestProducts(prefix: $prefix, first: 8) { productId name } }`;

export async function suggestProducts(prefix) {
  return (await graphql(SUGGEST, { prefix })).suggestProducts;
}

const PRODUCT = `
query Product($id: ID!) {
  product(id: $id) {
    ${CARD_FIELDS} description status attributes { name value } stock { available onHand reserved }
  }
}`;

export async function product(id) {
  return (await graphql(PRODUCT, { id })).product;
}

const PLACE_ORDER = `
mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { ok aggregateId consistencyToken errors { code field message } }
}`;

export async function placeOrder(input, token) {
  return (await graphql(PLACE_ORDER, { input }, token)).placeOrder;
}

const ORDERS = `
query Orders($consistencyToken: String) {
  orders(first: 20, consistencyToken: $consistencyToken) {
    totalCount
    edges { node {
      id status placedAt total { amount currency }
      lines { sku productId productName quantity lineTotal { amount currency } }
    } }
  }
}`;

/** The signed-in customer's orders; with the token a command returned, they include that command's write. */
export async function orders(token, consistencyToken = null) {
  return (await graphql(ORDERS, { consistencyToken }, token)).orders;
}

/** A demo customer token, or null where the service offers none (anything but `catalog serve --demo`). */
export async function demoCustomerToken() {
  const response = await fetch("/demo/customer-token", { method: "POST" });
  if (!response.ok) return null;
  return response.json();
}
