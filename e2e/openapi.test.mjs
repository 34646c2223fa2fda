// [Marketplace] The API's OpenAPI document, as a running server serves it, validates against
// the OpenAPI 3.1 schema (an independent validator), every reference in it resolves, and it
// names the marketplace's operations with their access rule.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startHelio } from './support/helio.mjs';

let helio;

before(async () => {
  helio = await startHelio();
});

after(async () => {
  await helio?.stop();
});

test('sys_3: /api/v1/openapi.json validates and describes the API', async () => {
  const response = await fetch(`${helio.url}/api/v1/openapi.json`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  const document = await response.json();
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
  // Every $ref resolves (resolveRefs throws on a dangling one).
  const resolved = validator.resolveRefs();
  assert.ok(resolved.paths['/api/v1/orders'].post.responses['201'].content['application/json'].schema.properties.price_cents);

  assert.deepEqual(document.paths['/api/v1/quotes'].post.security, [], 'the calculator is public');
  assert.deepEqual(document.paths['/api/v1/orders/{id}/deposit'].post.security, [{ bearer: [] }]);
  assert.ok(document.paths['/api/v1/orders/{id}/deposit'].post.parameters.some((p) => p.name === 'Idempotency-Key' && p.in === 'header'));
  for (const path of ['/api/v1/jobs', '/api/v1/offers/{offer}/accept', '/api/v1/orders/{id}/balance', '/api/v1/orders/{id}/rating', '/api/v1/sessions']) {
    assert.ok(document.paths[path], path);
  }
  const offer = resolved.components.schemas.ApiOffer;
  assert.ok(offer.properties.city && !offer.properties.site, 'an offer carries no address');
});
