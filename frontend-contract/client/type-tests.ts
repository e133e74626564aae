// Type-level tests of the client (compiled by `tsc --noEmit`, ctest contract/typecheck;
// never run). Each @ts-expect-error must stay an error, each other line must compile.
import { createStorefrontClient, type Schemas } from './index';

const api = createStorefrontClient({ baseUrl: 'http://127.0.0.1:8080' });

// CartItemCreate.quantity has a default in openapi.yaml: it must stay optional.
const noQuantity: Schemas['CartItemCreate'] = { sku: 'TEE-M' };
void api.POST('/v1/carts/{id}/items', { params: { path: { id: 'c' } }, body: { sku: 'TEE-M' } });
void noQuantity;

// CartItemUpdate.quantity has no default: it is required.
// @ts-expect-error quantity is required
const noUpdate: Schemas['CartItemUpdate'] = {};
void noUpdate;

// Unknown paths and wrong parameter types are refused.
// @ts-expect-error not a path of the contract
void api.GET('/v1/nope');
// @ts-expect-error limit is a number
void api.GET('/v1/products', { params: { query: { limit: 'many' } } });
