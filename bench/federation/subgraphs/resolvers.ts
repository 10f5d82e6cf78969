// The resolvers of the benchmark's four subgraphs, behaving as its Rust subgraphs do (including their quirks, noted
// below), so that the gateways in front of them do the same work and return the same response.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { INVENTORY, PRODUCTS, REVIEWS, USERS, type Review } from './data.ts';

export const SUBGRAPH_NAMES = ['accounts', 'inventory', 'products', 'reviews'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

function found<T>(what: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`${what} not found`);
  return value;
}

const accounts: GraphQLResolverMap<unknown> = {
  Query: {
    me: () => USERS[0],
    user: (_: unknown, { id }: { id: string }) => USERS.find((user) => user.id === id) ?? null,
    users: () => USERS,
  },
  User: {
    __resolveReference: ({ id }: { id: string }) =>
      found(
        `user ${id}`,
        USERS.find((user) => user.id === id),
      ),
  },
};

const inventory: GraphQLResolverMap<unknown> = {
  Product: {
    __resolveReference: ({ upc }: { upc: string }) =>
      found(
        `product ${upc}`,
        INVENTORY.find((record) => record.upc === upc),
      ),
    // The benchmark's inventory resolves the entity from its own record, which has neither price nor weight (the
    // required fields the gateway sends are not read), so its estimate is always null. Kept: the gateway still
    // fetches price and weight from products first, which is the work the benchmark measures.
    shippingEstimate: () => null,
  },
};

const products: GraphQLResolverMap<unknown> = {
  Query: {
    topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first),
  },
  Product: {
    __resolveReference: ({ upc }: { upc: string }) =>
      found(
        `product ${upc}`,
        PRODUCTS.find((product) => product.upc === upc),
      ),
  },
};

/** In the benchmark every user's reviews are the first two reviews, whoever the user is. */
const userReviews = () => REVIEWS.slice(0, 2);

const reviews: GraphQLResolverMap<unknown> = {
  Review: {
    __resolveReference: ({ id }: { id: string }) =>
      found(
        `review ${id}`,
        REVIEWS.find((review) => review.id === id),
      ),
    product: (review: Review) => ({ upc: review.productUpc }),
    // Every review's author is the first user, with the username it provides.
    author: () => ({ id: '1', username: 'urigo' }),
  },
  User: {
    // A user resolved by reference gets the username "user" (never asked for: the gateway takes it from accounts).
    __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user' }),
    reviews: userReviews,
  },
  Product: {
    __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
    reviews: ({ upc }: { upc: string }) => REVIEWS.filter((review) => review.productUpc === upc),
  },
};

export const RESOLVERS: Record<SubgraphName, GraphQLResolverMap<unknown>> = {
  accounts,
  inventory,
  products,
  reviews,
};
